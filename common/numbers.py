"""Numbers as Vietnamese people type them: "2.238" (two thousand two hundred thirty-eight),
"1.234,5", "70,5", "70,5%", "70 %", "-" for zero, blank for "not reported"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

_THOUSANDS = re.compile(r"^[0-9]{1,3}(\.[0-9]{3})+$")
# What Decimal() is given: ASCII digits only, one optional sign and decimal point. Decimal()
# itself also takes fullwidth "１２", Arabic-Indic "٣", "1_000" and exponents ("1e5").
_PLAIN = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_DASHES = {"-", "–", "—"}


class NumberError(ValueError):
    pass


def parse_number(text: str | None) -> Decimal | None:
    """The number in `text`, None for a blank; NumberError (in Vietnamese) for anything else."""
    if text is None:
        return None
    raw = str(text).strip()
    cleaned = raw.replace("\u00a0", "").replace(" ", "").removesuffix("%")
    if not cleaned:
        return None
    if cleaned in _DASHES:
        return Decimal(0)
    if "," in cleaned:  # the comma is the decimal mark; dots before it group thousands
        cleaned = cleaned.replace(".", "").replace(",", ".", 1)
    elif _THOUSANDS.match(cleaned.lstrip("-")):
        cleaned = cleaned.replace(".", "")
    try:
        number = Decimal(cleaned) if _PLAIN.match(cleaned) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise NumberError(_("«%(text)s» không phải là số") % {"text": raw})
    return number


def format_number(number: Decimal | None, places: int = 0) -> str:
    """Vietnamese display: 2238 -> "2.238", 70.5 -> "70,5"; blank for None."""
    if number is None:
        return ""
    rounded = round(number, places)
    if rounded == rounded.to_integral_value():
        rounded = rounded.quantize(Decimal(1))
    sign = "-" if rounded < 0 else ""
    whole, _dot, fraction = f"{abs(rounded):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction.rstrip('0')}" if fraction.rstrip("0") else f"{sign}{grouped}"
