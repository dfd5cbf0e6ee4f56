"""Text as people type it: names with or without diacritics, in either Unicode form."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without diacritics or extra spaces: "Thừa  Thiên Huế" -> "thua thien hue".

    Works on either Unicode form (NFC "ờ" as one code point, or NFD "o" + two combining
    marks): both decompose to the same letters. "đ" has no decomposition, so it is mapped to
    "d" by hand.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def clean_name(text: str) -> str:
    """A person's name as stored: NFC, single spaces, no surrounding blanks."""
    return " ".join(unicodedata.normalize("NFC", text).split())
