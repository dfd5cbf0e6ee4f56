"""The 54 ethnic groups of Vietnam, with the statistics office's codes (Quyết định
121-TCTK/PPCĐ, 1979, the list every census uses). Kinh is "01"; every other group is an ethnic
minority (dân tộc thiểu số), which is what the programs' flags and breakdowns need."""

from __future__ import annotations

from members.text import fold

KINH = "01"

ETHNIC_GROUPS: list[tuple[str, str]] = [
    ("01", "Kinh"),
    ("02", "Tày"),
    ("03", "Thái"),
    ("04", "Hoa"),
    ("05", "Khơ-me"),
    ("06", "Mường"),
    ("07", "Nùng"),
    ("08", "Mông"),
    ("09", "Dao"),
    ("10", "Gia-rai"),
    ("11", "Ngái"),
    ("12", "Ê-đê"),
    ("13", "Ba-na"),
    ("14", "Xơ-đăng"),
    ("15", "Sán Chay"),
    ("16", "Cơ-ho"),
    ("17", "Chăm"),
    ("18", "Sán Dìu"),
    ("19", "Hrê"),
    ("20", "Mnông"),
    ("21", "Ra-glai"),
    ("22", "Xtiêng"),
    ("23", "Bru-Vân Kiều"),
    ("24", "Thổ"),
    ("25", "Giáy"),
    ("26", "Cơ-tu"),
    ("27", "Gié-Triêng"),
    ("28", "Mạ"),
    ("29", "Khơ-mú"),
    ("30", "Co"),
    ("31", "Tà-ôi"),
    ("32", "Chơ-ro"),
    ("33", "Kháng"),
    ("34", "Xinh-mun"),
    ("35", "Hà Nhì"),
    ("36", "Chu-ru"),
    ("37", "Lào"),
    ("38", "La Chí"),
    ("39", "La Ha"),
    ("40", "Phù Lá"),
    ("41", "La Hủ"),
    ("42", "Lự"),
    ("43", "Lô Lô"),
    ("44", "Chứt"),
    ("45", "Mảng"),
    ("46", "Pà Thẻn"),
    ("47", "Cơ Lao"),
    ("48", "Cống"),
    ("49", "Bố Y"),
    ("50", "Si La"),
    ("51", "Pu Péo"),
    ("52", "Brâu"),
    ("53", "Ơ Đu"),
    ("54", "Rơ-măm"),
]

NAMES = dict(ETHNIC_GROUPS)


def is_minority(code: str) -> bool:
    return bool(code) and code != KINH


def code_for(text: str) -> str | None:
    """The code for a name or a code as people type it ("Tày", "tay", "02", "2"); None if
    unknown."""
    text = text.strip()
    if text.isdigit():
        code = f"{int(text):02d}"
        return code if code in NAMES else None
    wanted = fold(text).replace("-", " ")
    aliases = {"h'mong": "08", "hmong": "08", "khmer": "05", "kho me": "05", "muong": "06"}
    if wanted in aliases:
        return aliases[wanted]
    for code, name in ETHNIC_GROUPS:
        if fold(name).replace("-", " ") == wanted:
            return code
    return None
