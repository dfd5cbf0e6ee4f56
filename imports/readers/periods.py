"""The period a legacy report covers (any family of legacy files): from its title ("NĂM 2025",
"THÁNG 6 NĂM 2024", "QUÝ II NĂM 2024", "6 THÁNG ĐẦU NĂM 2025", "6 THÁNG CUỐI NĂM 2025"; a
"9 THÁNG" report is no period the portal keeps, and a date "ngày 10 tháng 12 năm 2025" names
none) or from a label an admin gives ("2025", "2024-06", "2024-Q2", "2024-H1"; parse_period
also takes "06/2024" and says what is wrong with anything else).

Titles are matched without diacritics, case or spacing, so "Quý 2 năm 2024", "QUY II NAM 2024"
and "6 tháng đầu năm 2025" read alike.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from functools import lru_cache

from django.utils.translation import gettext as _

from imports.parsed import Period

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


def period_of(year: int, first_month: int, months: int) -> Period:
    """The period of `months` months starting with `first_month` of `year`, with its label."""
    last = first_month + months - 1
    if months == 12:
        label = f"{year}"
    elif months == 6:
        label = f"{year}-H{last // 6}"
    elif months == 3:
        label = f"{year}-Q{last // 3}"
    else:
        label = f"{year}-{first_month:02d}"
    return Period(
        label=label,
        first_month=datetime.date(year, first_month, 1),
        last_month=datetime.date(year, last, 1),
        months=months,
    )


def last_day(period: Period) -> datetime.date:
    """The period's last day: where a target for it ends."""
    month = period.last_month
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


_LABEL = re.compile(r"^(\d{4})(?:-(?:(\d{1,2})|Q([1-4])|H([12])))?$", re.IGNORECASE)


def parse_label(label: str) -> Period | None:
    """ "2025" | "2025-06" | "2025-Q2" | "2025-H1" -> Period; None when not such a label."""
    match = _LABEL.match(label.strip())
    if not match:
        return None
    year = int(match[1])
    if match[2]:
        month = int(match[2])
        return period_of(year, month, 1) if 1 <= month <= 12 else None
    if match[3]:
        return period_of(year, 3 * int(match[3]) - 2, 3)
    if match[4]:
        return period_of(year, 6 * int(match[4]) - 5, 6)
    return period_of(year, 1, 12)


def fold(text: str) -> str:
    """Uppercase, without diacritics (Đ -> D), spaces collapsed: for matching typed titles."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.upper().split())


# A date ("ngày 10 tháng 12 năm 2025", "ngày 10/12/2025") names no period: removed first.
_DATE = re.compile(
    r"\bNGAY\s*\d{1,2}\s*(?:THANG\s*\d{1,2}(?:\s*NAM\s*\d{4})?|/\s*\d{1,2}\s*/\s*\d{4})"
)
_SOME_MONTHS = re.compile(r"\b\d{1,2}\s*THANG\b")  # "9 THÁNG NĂM 2024": not a period we keep
_HALF = re.compile(r"\b6\s*THANG\s*(DAU|CUOI)\s*(?:NAM\s*)?((?:19|20)\d{2})\b")
_QUARTER = re.compile(r"\bQUY\s*(IV|III|II|I|[1-4])\b\W*(?:NAM\s*)?((?:19|20)\d{2})\b")
_MONTH = re.compile(r"\bTHANG\s*(\d{1,2})\b\W*(?:NAM\s*)?((?:19|20)\d{2})\b")
_MONTH_SLASH = re.compile(r"\bTHANG\s*(\d{1,2})\s*/\s*((?:19|20)\d{2})\b")
_WHOLE_YEAR = re.compile(r"\bNAM\s*((?:19|20)\d{2})\b")


def parse_title(text: str) -> Period | None:
    """The period a title line names, or None when it names none."""
    title = _DATE.sub(" ", fold(text))
    if match := _HALF.search(title):
        return period_of(int(match[2]), 1 if match[1] == "DAU" else 7, 6)
    if _SOME_MONTHS.search(title):
        return None
    if match := _QUARTER.search(title):
        quarter = _ROMAN.get(match[1]) or int(match[1])
        return period_of(int(match[2]), 3 * quarter - 2, 3)
    for pattern in (_MONTH, _MONTH_SLASH):
        if (match := pattern.search(title)) and 1 <= int(match[1]) <= 12:
            return period_of(int(match[2]), int(match[1]), 1)
    if match := _WHOLE_YEAR.search(title):
        return period_of(int(match[1]), 1, 12)
    return None


_SLASHED = re.compile(r"^(\d{1,2})/(\d{4})$")


@lru_cache(maxsize=1024)
def parse_period(text: str) -> Period:
    """The period a label names; ValueError (in Vietnamese) for anything else. Cached: a file
    repeats the same few labels on every row."""
    raw = str(text).strip()
    if slashed := _SLASHED.match(raw):
        raw = f"{slashed[2]}-{int(slashed[1]):02d}"
    period = parse_label(raw)
    if period is None:
        raise ValueError(
            _("«%(text)s» không phải là kỳ (viết 2025, 2025-06, 2025-Q2 hoặc 2025-H1)")
            % {"text": text}
        )
    return period
