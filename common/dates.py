"""Days and months as the portal writes them, whatever the browser's language: dd/mm/yyyy and
mm/yyyy. A browser's own date and month pickers (<input type="date">, type="month") show the
browser's locale (12/01/2026 in an English Chrome for 1 December), so the portal's date fields
are text fields with a pattern, read here; ISO yyyy-mm-dd and yyyy-mm, the form of old links,
are still read."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from common.periods import FIRST_YEAR, LAST_YEAR, parse_month

DAY_FORMAT = "%d/%m/%Y"
MONTH_FORMAT = "%m/%Y"
# What the browser lets through before the server reads it (the server says why it refuses).
DAY_PATTERN = r"\s*\d{1,2}/\d{1,2}/\d{4}\s*|\s*\d{4}-\d{2}-\d{2}\s*"
MONTH_PATTERN = r"\s*\d{1,2}/\d{4}\s*|\s*\d{4}-\d{2}\s*"
DAY_PLACEHOLDER, MONTH_PLACEHOLDER = "dd/mm/yyyy", "mm/yyyy"
_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

BAD_DAY = _("Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy, ví dụ 05/11/2026.")
BAD_MONTH = _("Tháng không hợp lệ: nhập theo dạng mm/yyyy, ví dụ 11/2026.")


def parse_day(text: str) -> datetime.date:
    """ "05/11/2026" (or "5/11/2026", or ISO "2026-11-05") -> 2026-11-05; ValueError otherwise,
    a year outside FIRST_YEAR..LAST_YEAR included."""
    text = text.strip()
    if found := _DAY.fullmatch(text):
        day, month, year = (int(g) for g in found.groups())
    elif found := _ISO_DAY.fullmatch(text):
        year, month, day = (int(g) for g in found.groups())
    else:
        raise ValueError(f"not a day: {text!r}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year out of range: {year}")
    return datetime.date(year, month, day)


def parse_month_text(text: str) -> datetime.date:
    """ "11/2026" (or ISO "2026-11") -> 2026-11-01; ValueError otherwise."""
    try:
        return parse_month(text)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a month: {text!r}") from exc


class DayInput(forms.DateInput):
    """A text field for a day, shown as dd/mm/yyyy."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {
            "pattern": DAY_PATTERN,
            "placeholder": DAY_PLACEHOLDER,
            "inputmode": "numeric",
            "autocomplete": "off",
            "title": DAY_PLACEHOLDER,
        }
        super().__init__(attrs={**base, **(attrs or {})}, format=DAY_FORMAT)


class DayField(forms.DateField):
    """A day typed as dd/mm/yyyy (ISO still read); a clear Vietnamese message otherwise."""

    widget = DayInput
    default_error_messages = {"invalid": BAD_DAY}

    def to_python(self, value: Any) -> datetime.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return parse_day(str(value))
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class MonthInput(forms.TextInput):
    """A text field for a month, shown as mm/yyyy."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {
            "pattern": MONTH_PATTERN,
            "placeholder": MONTH_PLACEHOLDER,
            "inputmode": "numeric",
            "autocomplete": "off",
            "title": MONTH_PLACEHOLDER,
        }
        super().__init__(attrs={**base, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, datetime.date):
            return f"{value:%m/%Y}"
        return super().format_value(value)


def day_from_query(request: HttpRequest, name: str, default: datetime.date) -> datetime.date:
    """The day of ?name= (dd/mm/yyyy, or ISO from an old link), or `default` when there is none;
    a value that is not a day gives `default` and a message saying how to write one."""
    text = request.GET.get(name, "").strip()
    if not text:
        return default
    try:
        return parse_day(text)
    except ValueError:
        messages.error(request, _("«%(value)s» không phải là một ngày: %(how)s") % {
            "value": text, "how": _("nhập theo dạng dd/mm/yyyy, ví dụ 05/11/2026."),
        })  # fmt: skip
        return default


def month_from_query(
    request: HttpRequest, name: str, default: datetime.date | None
) -> datetime.date | None:
    """The month of ?name= (mm/yyyy, or ISO yyyy-mm from an old link), as day_from_query."""
    text = request.GET.get(name, "").strip()
    if not text:
        return default
    try:
        return parse_month_text(text)
    except ValueError:
        messages.error(request, _("«%(value)s» không phải là một tháng: %(how)s") % {
            "value": text, "how": _("nhập theo dạng mm/yyyy, ví dụ 11/2026."),
        })  # fmt: skip
        return default
