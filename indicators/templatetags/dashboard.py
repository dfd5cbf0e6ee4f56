"""The dashboard's cells rendered in Python: a page has rows x indicators x 3 cells, and an
{% include %} per cell cost more than all its queries."""

from decimal import Decimal

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from common.numbers import format_number
from indicators.figures.engine import Figure, Status

register = template.Library()

SYMBOLS = {Status.ACHIEVED: "✔", Status.ON_TRACK: "➚", Status.BEHIND: "✖"}


def _number(value: Decimal | None) -> str:
    return "–" if value is None else format_number(value, 2)


def _cells(figure: Figure, not_set: str) -> str:
    if figure.achievement is not None:
        share = f"{format_number(figure.achievement)}%"
    else:
        share = not_set if figure.status == Status.NO_TARGET else "–"
    status = escape(figure.status)
    return (
        f'<td class="num">{_number(figure.target)}</td>'
        f'<td class="num value status-{status}">{_number(figure.value)}</td>'
        f'<td class="num"><span class="status status-{status}">'
        f"{SYMBOLS.get(figure.status, '')} {share}</span></td>"
    )


@register.simple_tag
def figure_cells(figures: list[Figure]) -> SafeString:
    """A row's cells: Kế hoạch, Thực hiện and % per figure, the status as a symbol, a word and
    a class (not colour alone). Numbers come from format_number (digits, dots, commas), the
    other texts from this module or are escaped."""
    not_set = escape(_("chưa giao"))
    return mark_safe("".join(_cells(figure, not_set) for figure in figures))
