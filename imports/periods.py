"""Period labels as the command and the upload form take them: "2025" (a year), "2024-06" or
"06/2024" (a month), "2024-Q2" (a quarter), "2024-H1" (a half-year)."""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from django.utils.translation import gettext as _

from imports.parsed import Period
from indicators.periods import add_months

_LABEL = re.compile(r"^(\d{4})(?:-(?:(\d{1,2})|[Qq]([1-4])|[Hh]([12])))?$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{4})$")


def period_of(first_month: datetime.date, months: int, label: str) -> Period:
    return Period(label, first_month, add_months(first_month, months - 1), months)


@lru_cache(maxsize=1024)
def parse_period(text: str) -> Period:
    """The period a label names; ValueError (in Vietnamese) for anything else. Cached: a file
    repeats the same few labels on every row."""
    raw = str(text).strip()
    slashed = _SLASHED.match(raw)
    if slashed:
        raw = f"{slashed[2]}-{int(slashed[1]):02d}"
    match = _LABEL.match(raw)
    if not match or (match[2] and not 1 <= int(match[2]) <= 12):
        raise ValueError(
            _("«%(text)s» không phải là kỳ (viết 2025, 2025-06, 2025-Q2 hoặc 2025-H1)")
            % {"text": text}
        )
    year = int(match[1])
    if match[2]:
        month = int(match[2])
        return period_of(datetime.date(year, month, 1), 1, f"{year}-{month:02d}")
    if match[3]:
        quarter = int(match[3])
        return period_of(datetime.date(year, quarter * 3 - 2, 1), 3, f"{year}-Q{quarter}")
    if match[4]:
        half = int(match[4])
        return period_of(datetime.date(year, half * 6 - 5, 1), 6, f"{year}-H{half}")
    return period_of(datetime.date(year, 1, 1), 12, str(year))
