"""Months as the portal counts them: a month is the date of its first day."""

from __future__ import annotations

import calendar
import datetime

from django.utils import timezone


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> int:
    """How many months from `first` to `last`, both included (0 if last is before first)."""
    return max(0, (last.year - first.year) * 12 + last.month - first.month + 1)


# The months the portal can speak of: a month outside (year 1, year 9999) is a typing error, and
# the pages that step a month back or forward would otherwise leave the calendar.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def parse_month(text: str) -> datetime.date:
    """ "2025-06" (or "06/2025") -> 2025-06-01; ValueError otherwise, a year outside
    FIRST_YEAR..LAST_YEAR included."""
    text = text.strip()
    if "/" in text:
        month, year = text.split("/", 1)
    else:
        year, month = text.split("-", 1)
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise ValueError(f"year out of range: {year}")
    return datetime.date(int(year), int(month), 1)


def previous_month(today: datetime.date | None = None) -> datetime.date:
    """The month just ended: what an officer reports on by default."""
    return add_months(month_start(today or timezone.localdate()), -1)
