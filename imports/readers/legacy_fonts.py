"""Text typed with the pre-Unicode Vietnamese fonts, as it shows when read as Unicode.

Older sheets were typed with the TCVN3 fonts (".VnTime", ".VnArial"; the all-capitals ".VnTimeH",
".VnArialH") or the VNI fonts ("VNI-Times"). Excel stores what was typed as the Windows code page
characters, so a reader sees "Ph­êng Phó Xu©n" (TCVN3) or "Phöôøng Phuù Xuaân" (VNI) where
"Phường Phú Xuân" was meant. This module detects such text and converts it.

- TCVN3 ("ABC"), the 8-bit table of the Vietnamese standard TCVN 5712:1993 (VN3): one byte per
  precomposed lowercase letter, plus seven capitals (Ă Â Ê Ô Ơ Ư Đ). In the "H" fonts the same
  bytes are drawn as capitals, so they convert to capitals.
- VNI Windows (VNI-Times and family, VNI Software's encoding): a base letter followed by one or
  two mark characters ("a" + "ù" = "á", "a" + "á" = "ấ"), except ơ, ư, đ and some toned i/y that
  have a character of their own.

Detection never touches plain ASCII, nor text holding a letter only Unicode Vietnamese has (ạ, ư,
đ, ...) or a combining mark (decomposed Unicode): legacy text is made of ASCII and Latin-1
characters only. Among those, a text is converted only when it holds characters no Vietnamese
word has in Unicode and the conversion leaves a plausible Vietnamese text: nothing left over, and
every word shaped like a Vietnamese syllable (one tone mark, a vowel group Vietnamese has, no
final consonant after a closing glide, "-nh"/"-ch" only after a, ê, i, y). A text that tells
nothing by itself ("Phó" is Vietnamese, and "Phú" typed in TCVN3) follows the cell's font name
or the sheet's majority (`guess_sheet_encoding`).

Measured on the 9,483 distinct unit names of the vietnam-provinces package: no Unicode name is
changed; typed in TCVN3, 9,464 come back exactly, 17 stay as typed, 2 come back in capitals
("XÃ AL BÁ"); typed in VNI, 6,898 come back exactly, 2,585 stay as typed (their VNI spelling
is proper Latin-1 Vietnamese too, "Xaõ Ba": the font or the sheet decides), none wrong.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Literal

Encoding = Literal["unicode", "tcvn3", "vni"]


def _table(text: str) -> list[str]:
    """A table written as one string, its entries separated by spaces."""
    return text.split()


# The Vietnamese letters in Unicode order of the tables below: each base, then its five tones
# (sắc, huyền, hỏi, ngã, nặng).
_VIET_LOWER = _table(
    "a á à ả ã ạ ă ắ ằ ẳ ẵ ặ â ấ ầ ẩ ẫ ậ e é è ẻ ẽ ẹ ê ế ề ể ễ ệ i í ì ỉ ĩ ị "
    "o ó ò ỏ õ ọ ô ố ồ ổ ỗ ộ ơ ớ ờ ở ỡ ợ u ú ù ủ ũ ụ ư ứ ừ ử ữ ự y ý ỳ ỷ ỹ ỵ đ"
)

# TCVN 5712:1993 VN3 code points (as Latin-1 characters) of the lowercase letters above, in the
# same order (the unaccented ASCII bases are themselves).
_TCVN3_LOWER = _table(
    "a ¸ µ ¶ · ¹ ¨ ¾ » ¼ ½ Æ © Ê Ç È É Ë e Ð Ì Î Ï Ñ ª Õ Ò Ó Ô Ö i Ý × Ø Ü Þ "
    "o ã ß á â ä « è å æ ç é ¬ í ê ë ì î u ó ï ñ ò ô \u00ad ø õ ö ÷ ù y ý ú û ü þ ®"
)
# The capitals the plain (not "H") TCVN3 fonts have.
_TCVN3_CAPITALS = {"¡": "Ă", "¢": "Â", "£": "Ê", "¤": "Ô", "¥": "Ơ", "¦": "Ư", "§": "Đ"}

# VNI Windows spellings of the same letters, in the same order (capitals are the Latin-1
# capitals of these, e.g. "AÙ" = "Á", "Ñ" = "Đ").
_VNI_LOWER = _table(
    "a aù aø aû aõ aï aê aé aè aú aü aë aâ aá aà aå aã aä e eù eø eû eõ eï eâ eá eà eå eã eä "
    "i í ì æ ó ò o où oø oû oõ oï oâ oá oà oå oã oä ô ôù ôø ôû ôõ ôï "
    "u uù uø uû uõ uï ö öù öø öû öõ öï y yù yø yû yõ î ñ"
)

TCVN3_TO_UNICODE: dict[str, str] = {
    code: letter for code, letter in zip(_TCVN3_LOWER, _VIET_LOWER, strict=True) if code != letter
} | _TCVN3_CAPITALS
VNI_TO_UNICODE: dict[str, str] = {
    spelling: letter
    for lower, letter in zip(_VNI_LOWER, _VIET_LOWER, strict=True)
    for spelling, letter in ((lower, letter), (lower.upper(), letter.upper()))
    if spelling != letter
}
_VNI_PATTERN = re.compile("|".join(sorted(map(re.escape, VNI_TO_UNICODE), key=len, reverse=True)))

_VIET_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_TONED = {
    letter
    for base in range(0, len(_VIET_LOWER) - 1, 6)
    for letter in _VIET_LOWER[base + 1 : base + 6]
}
_TONED |= {letter.upper() for letter in _TONED}
# Letters only Unicode Vietnamese has (outside Latin-1), and the combining tone marks.
_UNICODE_ONLY = re.compile(
    "[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1"
    "\u01af\u01b0\u1ea0-\u1ef9\u0300-\u0303\u0309\u0323]"
)
_WORD = re.compile(r"[^\s\d.,;:!?()\[\]/\\\"'\-–—_]+")


def font_encoding(font_name: str | None) -> tuple[Encoding, bool] | None:
    """The legacy encoding a font name tells, with whether it draws capitals; None when the
    font says nothing (a Unicode font, or no name)."""
    name = (font_name or "").strip()
    if name.startswith(".Vn"):  # .VnTime, .VnArial, .VnTimeH, .VnArialH, .VnCentury ...
        return "tcvn3", name.endswith("H")
    if name.upper().startswith("VNI"):
        return "vni", False
    return None


def from_tcvn3(text: str, *, capitals: bool = False) -> str:
    """TCVN3 as read in Unicode -> Unicode; `capitals` for the "H" fonts."""
    converted = "".join(TCVN3_TO_UNICODE.get(char, char) for char in text)
    return converted.upper() if capitals else converted


def from_vni(text: str) -> str:
    """VNI Windows as read in Unicode -> Unicode."""
    return _VNI_PATTERN.sub(lambda match: VNI_TO_UNICODE[match.group()], text)


def _foreign(text: str) -> int:
    """Characters inside words that no Unicode Vietnamese word has (Latin-1 non-Vietnamese).
    Only words with an ASCII letter count: a lone "©" or "§" is a sign, not a letter."""
    return sum(
        1
        for word in _WORD.findall(text)
        if any(char.isascii() and char.isalpha() for char in word)
        for char in word
        if "\u0080" <= char <= "\u00ff" and char not in _VIET_LATIN1
    )


# The vowel groups a Vietnamese syllable can have (tone marks aside); "qu" and "gi" start
# consonants. A conversion with the wrong table yields groups such as "aư" or "ayo".
_VOWELS = "aăâeêioôơuưy"
_NUCLEI = set(_VOWELS) | set(
    _table(
        "ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô uơ uy ưa ưi ươ ưu yê "
        "iêu oai oao oay oeo uây uôi uya uyê uyu ươi ươu yêu"
    )
)
# Groups ending in a glide close the syllable: no final consonant after them ("aon" is no rhyme).
_OPEN = set(
    _table(
        "ai ao au ay âu ây eo êu iu oi ôi ơi ui ưi ưu iêu oai oao oay oeo uây uôi ươi ươu yêu uyu"
    )
)
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_VOWEL_RUN = re.compile(rf"(q(?=u)|g(?=i[{_VOWELS}]))?([{_VOWELS}]+)(\w{{0,2}})")


def _untoned(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))


def _syllable_like(word: str) -> bool:
    """At most one tone mark and vowel groups Vietnamese has."""
    if sum(char in _TONED for char in word) > 1:
        return False
    for start, run, final in _VOWEL_RUN.findall(_untoned(word)):
        nucleus = run[1:] if start else run  # the u of "qu", the i of "gi" are consonants
        if nucleus not in _NUCLEI or (final and nucleus in _OPEN):
            return False
        if final in ("nh", "ch") and nucleus[-1] not in "aêiy":  # "anh", "ênh", "inh" only
            return False
    return True


def _plausible(text: str) -> bool:
    """No character left that Vietnamese does not use, and every word that has a Vietnamese
    letter looks like a Vietnamese syllable."""
    if _foreign(text):
        return False
    return all(_syllable_like(word) for word in _WORD.findall(text) if not word.isascii())


def _all_capitals(text: str) -> bool:
    """Typed in capitals ("HéI LHPN TØNH"): no small ASCII letter, and some word with two
    capitals (a name such as "X· Pê Tã" has only initials)."""
    letters = "".join(char for char in text if char.isascii() and char.isalpha())
    return letters.isupper() and re.search(r"[A-Z]{2}", text) is not None


def guess_encoding(text: str) -> Encoding:
    """What `text` was typed in, judged from itself; "unicode" whenever in doubt."""
    if text.isascii() or _UNICODE_ONLY.search(text) or not _foreign(text):
        return "unicode"
    if _plausible(from_tcvn3(text)):
        return "tcvn3"
    if _plausible(from_vni(text)):
        return "vni"
    return "unicode"


def guess_sheet_encoding(texts: Iterable[str]) -> Encoding:
    """The encoding most of a sheet's telling texts were typed in: a sheet is typed in one font,
    so texts that tell nothing by themselves ("Phó", which is "Phú" in TCVN3) follow it."""
    votes = Counter(guess_encoding(text) for text in texts if not text.isascii())
    legacy = [(count, encoding) for encoding, count in votes.items() if encoding != "unicode"]
    if not legacy:
        return "unicode"
    count, encoding = max(legacy)
    return encoding if count > votes.get("unicode", 0) else "unicode"


def to_unicode(text: str, *, encoding: Encoding | None = None, font_name: str | None = None) -> str:
    """`text` in proper Unicode: the cell's font wins, then the given (sheet) encoding, then a
    guess from the text. Text holding Unicode-only letters is never converted."""
    if text.isascii() or _UNICODE_ONLY.search(text):
        return text
    from_font = font_encoding(font_name)
    if from_font is not None:
        encoding, capitals = from_font
    else:
        encoding = encoding if encoding not in (None, "unicode") else guess_encoding(text)
        capitals = _all_capitals(text)
    if encoding == "tcvn3":
        return from_tcvn3(text, capitals=capitals)
    if encoding == "vni":
        return from_vni(text)
    return text
