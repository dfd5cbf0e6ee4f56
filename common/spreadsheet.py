"""One rule for every cell the portal writes to a spreadsheet (pages, reports, the member
register, the admin's CSV and Excel exports).

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula (or
becomes one when pasted) in Excel, LibreOffice and Google Sheets: `=HYPERLINK(...)`,
`+cmd|' /C calc'!A0`, `-1+1`, `@SUM(1)`. Following OWASP's CSV-injection advice such a text
gets a leading apostrophe, so the cell shows what the user typed and never runs it. Numbers,
dates and booleans are written as they are: they are never formulas, and a spreadsheet must
still add them up.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# "-12", "-1.234,5": a negative number written as text (the admin's CSV renders numbers so) is
# no formula, and quoting it would turn a number into text in the spreadsheet.
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9.,]*$")


def safe_text(text: object) -> str:
    """The text, with a leading apostrophe if it would start a formula; None becomes ""."""
    value = "" if text is None else str(text)
    if value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def safe_cell(value: Any) -> Any:
    """A cell value safe to write: numbers, dates, booleans and None unchanged, every other
    value as text through `safe_text`."""
    if value is None or isinstance(
        value, bool | int | float | Decimal | datetime.date | datetime.time | datetime.timedelta
    ):
        return value
    return safe_text(value)


def safe_row(values: list[Any]) -> list[Any]:
    """`safe_cell` on every value of a row."""
    return [safe_cell(value) for value in values]
