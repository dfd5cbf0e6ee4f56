"""TCVN3 and VNI text as Excel shows it in Unicode, converted back; proper text left alone."""

from __future__ import annotations

import unicodedata

import pytest

from imports.readers.legacy_fonts import (
    TCVN3_TO_UNICODE,
    VNI_TO_UNICODE,
    font_encoding,
    guess_encoding,
    guess_sheet_encoding,
    to_unicode,
)

# (as typed in a .VnTime font and shown in Unicode, what was meant)
TCVN3_PHRASES = [
    ("Ph\xadêng Phó Xu©n", "Phường Phú Xuân"),
    ("Hµ Néi", "Hà Nội"),
    ("X· B¶o L©m", "Xã Bảo Lâm"),
    (
        "Sè phô n÷ khëi sù kinh doanh, khëi nghiÖp ®\xadîc hç trî",
        "Số phụ nữ khởi sự kinh doanh, khởi nghiệp được hỗ trợ",
    ),
    ("Tæng céng", "Tổng cộng"),
    (
        "§¹i héi ®¹i biÓu phô n÷ toµn quèc lÇn thø XIII",
        "Đại hội đại biểu phụ nữ toàn quốc lần thứ XIII",
    ),
]
VNI_PHRASES = [
    ("Phöôøng Phuù Xuaân", "Phường Phú Xuân"),
    ("Soá phuï nöõ khôûi söï kinh doanh", "Số phụ nữ khởi sự kinh doanh"),
    ("Xaõ Baûo Laïc", "Xã Bảo Lạc"),
    ("HOÄI LIEÂN HIEÄP PHUÏ NÖÕ TÆNH CAO BAÈNG", "HỘI LIÊN HIỆP PHỤ NỮ TỈNH CAO BẰNG"),
    ("Ñoaøn Thò Hieàn", "Đoàn Thị Hiền"),
]


@pytest.mark.parametrize(("typed", "meant"), TCVN3_PHRASES)
def test_tcvn3_is_detected_and_converted(typed: str, meant: str) -> None:
    assert guess_encoding(typed) == "tcvn3"
    assert to_unicode(typed) == meant


@pytest.mark.parametrize(("typed", "meant"), VNI_PHRASES)
def test_vni_is_detected_and_converted(typed: str, meant: str) -> None:
    assert guess_encoding(typed) == "vni"
    assert to_unicode(typed) == meant


def test_an_all_capitals_title_in_vntimeh_converts_to_capitals() -> None:
    assert to_unicode("HéI LHPN TØNH CAO B»NG") == "HỘI LHPN TỈNH CAO BẰNG"
    # the font name says so even when the letters typed are small
    assert to_unicode("héi lhpn tØnh cao b»ng", font_name=".VnTimeH") == "HỘI LHPN TỈNH CAO BẰNG"


@pytest.mark.parametrize(
    "text",
    [
        "Phường Phú Xuân",
        unicodedata.normalize("NFD", "Phường Phú Xuân"),
        "Tân Giang",  # only Latin-1 letters, and proper Vietnamese
        "Phú Yên",
        "Hà Giang",
        "HỘI LHPN TỈNH CAO BẰNG",
        "Ghi chú: số liệu ước tính đến 30/11",
        "Tong cong",
        "STT",
        "© 2025 Hội LHPN",
        "Café crème",
        "70,5%",
    ],
)
def test_proper_unicode_and_plain_text_are_left_alone(text: str) -> None:
    assert guess_encoding(text) == "unicode"
    assert to_unicode(text) == text


def test_a_text_that_tells_nothing_follows_its_sheet_or_its_font() -> None:
    # "Phó" is proper Vietnamese, and also "Phú" typed in TCVN3
    sheet = guess_sheet_encoding(["Ph\xadêng Phó Xu©n", "X· B¶o L©m", "Phó", "STT"])

    assert sheet == "tcvn3"
    assert to_unicode("Phó") == "Phó"
    assert to_unicode("Phó", encoding=sheet) == "Phú"
    assert to_unicode("Phó", font_name=".VnTime") == "Phú"
    assert to_unicode("Phuù", font_name="VNI-Times") == "Phú"
    # a letter only Unicode has is never converted, whatever the sheet or the font say
    assert to_unicode("Phường", encoding="tcvn3", font_name=".VnTime") == "Phường"


def test_a_unicode_sheet_stays_unicode() -> None:
    assert guess_sheet_encoding(["Phường Thục Phán", "Tân Giang", "Phó", "Tổng cộng"]) == "unicode"


def test_font_names() -> None:
    assert font_encoding(".VnTime") == ("tcvn3", False)
    assert font_encoding(".VnArialH") == ("tcvn3", True)
    assert font_encoding("VNI-Times") == ("vni", False)
    assert font_encoding("Times New Roman") is None
    assert font_encoding(None) is None


def test_the_tables_cover_every_letter_once() -> None:
    letters = set("aăâeêioôơuưyđ")
    toned = {
        unicodedata.normalize("NFC", base + mark)
        for base in "aăâeêioôơuưy"
        for mark in "\u0301\u0300\u0309\u0303\u0323"
    }
    meant = (letters - set("aeiouy")) | toned

    # ý is 0xFD in TCVN3 and í, ì are 0xED, 0xEC in VNI: the same code as in Latin-1
    assert meant <= set(TCVN3_TO_UNICODE.values()) | {"ý"}
    assert len(set(TCVN3_TO_UNICODE.values())) == len(TCVN3_TO_UNICODE)  # one code per letter
    capitals = {letter.upper() for letter in meant}
    assert meant | capitals <= set(VNI_TO_UNICODE.values()) | set("íìÍÌ")
    assert len(set(VNI_TO_UNICODE.values())) == len(VNI_TO_UNICODE)
