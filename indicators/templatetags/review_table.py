"""The reviewer's table rows and month options written in Python: a province has a hundred
communes or more, and the template's loop (a dozen tags a row, two {% url %} among them at
~0.1 ms a reverse()) cost two thirds of the page's CPU. The same HTML, byte for byte."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from html import escape  # Django's adds a SafeString per call; the rows are marked safe whole

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import numberformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from indicators.figures.completeness import MonthStatus, Overview, Row
from programs.models import Program

register = template.Library()

MARK = 987654321  # a unit id in the one reverse() of a page, replaced by each row's id


def unit_link(name: str, program: Program, month: datetime.date) -> Callable[[int], str]:
    """The escaped URL `name` gives for a unit id, the program and the month, with one
    reverse() for the page rather than one a row."""
    url = reverse(name, args=[MARK, program.code, f"{month:%Y-%m}"])
    head, _mark, tail = escape(url).partition(str(MARK))
    return lambda pk: f"{head}{int(pk)}{tail}"


class _Table:
    """What every row shares, read or translated once for the table: the links, the status
    labels, the locale's number formats."""

    def __init__(self, overview: Overview) -> None:
        program, month = overview.program, overview.month
        self.entry = unit_link("indicators:entry_form", program, month)
        self.review = unit_link("indicators:review_overview", program, month)
        self.labels = {s: escape(str(s.label)) for s in MonthStatus}
        self.choose = _("Chọn %(unit)s")
        self.decimal, self.grouping = get_format("DECIMAL_SEPARATOR"), get_format("NUMBER_GROUPING")
        self.thousands = get_format("THOUSAND_SEPARATOR")
        # numberformat.format groups thousands only so; else it writes what `plain` writes.
        self.grouped = bool(settings.USE_THOUSAND_SEPARATOR and self.grouping != 0)

    def number(self, value: int | Decimal) -> str:
        """As the template writes a number (formats.localize)."""
        if not self.grouped:
            return self.plain(value)
        return escape(
            str(
                numberformat.format(
                    value, self.decimal, grouping=self.grouping, thousand_sep=self.thousands
                )
            )
        )

    def plain(self, value: int | Decimal) -> str:
        """numberformat.format's way without grouping: the digits, the locale's decimal mark
        for a Decimal's point (the shares have one place, far below its 200-digit cut)."""
        if isinstance(value, int):
            return str(value)
        return escape(f"{value:f}".replace(".", self.decimal))

    def share(self, value: Decimal | None) -> str:
        return "–" if value is None else f"{self.number(value)}%"

    def row(self, row: Row, reviewable: bool) -> str:
        pk, name = int(row.unit.pk), escape(row.unit.name)
        pick = ""
        if reviewable and row.status is not None:
            label = self.choose % {"unit": name}
            pick = (
                f'<input type="checkbox" name="unit" value="{pk}" id="pick-{pk}" '
                f'data-status="{escape(row.status.value)}" aria-label="{label}">'
            )
        counts = row.counts
        return (
            f'\n      <tr data-unit="{escape(row.unit.code)}">\n        <td>{pick}</td>\n'
            f'        <th scope="row">\n          {self.unit(row, pk, name)}\n        </th>\n'
            f"        {self.status(row)}\n"
            f'        <td class="num">{self.number(counts.complete)}/'
            f"{self.number(counts.expected)}</td>\n"
            f'        <td class="num">{self.share(counts.completeness)}</td>\n'
            f'        <td class="num">{self.share(counts.timeliness)}</td>\n      </tr>\n    '
        )

    def unit(self, row: Row, pk: int, name: str) -> str:
        """A commune links to its form, a unit above to its own overview."""
        if row.is_commune:
            return f'<a href="{self.entry(pk)}">{name}</a>\n          '
        level = escape(str(row.unit.get_level_display()))
        return f'<a href="{self.review(pk)}">{name}</a> <span class="muted small">{level}</span>'

    def status(self, row: Row) -> str:
        """A commune's status and first submission; a unit above's count per status."""
        if not row.is_commune or row.status is None:
            spans = "".join(
                f'<span class="state month-{escape(status.value)}">{self.labels[status]}: '
                f"{self.number(n)}</span> "
                for status, n in row.counts.present()
            )
            return f'<td><span class="small">{spans}</span></td>'
        first = row.submission.first_submitted_at if row.submission else None
        sent = (
            f'<span class="muted small">{timezone.localtime(first):%d/%m %H:%M}</span>'
            if first
            else ""
        )
        return (
            f'<td><span class="state month-{escape(row.status.value)}">'
            f"{self.labels[row.status]}</span>\n            {sent}\n          </td>"
        )


@register.simple_tag
def review_rows(rows: Iterable[tuple[Row, bool]], overview: Overview) -> SafeString:
    """One <tr> a child unit, as the template's loop wrote it; every text escaped as Django's
    escape does (html.escape), ids are ints."""
    table = _Table(overview)
    return mark_safe("".join(table.row(row, reviewable) for row, reviewable in rows))
