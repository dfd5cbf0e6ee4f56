"""The dashboard's cells rendered in Python: a page has rows x indicators x 3 cells, and an
{% include %} per cell cost more than all its queries."""

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from indicators.engine import Figure, Status
from indicators.numbers import format_number

register = template.Library()

SYMBOLS = {Status.ACHIEVED: "✔", Status.ON_TRACK: "➚", Status.BEHIND: "✖"}


def _number(value: Decimal | None) -> str:
    return "–" if value is None else format_number(value, 2)


@register.simple_tag
def figure_cells(figure: Figure) -> SafeString:
    """Kế hoạch, Thực hiện and % with the status as a symbol and a class (not colour alone)."""
    if figure.achievement is not None:
        share = f"{format_number(figure.achievement)}%"
    elif figure.status == Status.NO_TARGET:
        share = _("chưa giao")
    else:
        share = "–"
    symbol = SYMBOLS.get(figure.status, "")
    return format_html(
        '<td class="num">{}</td><td class="num value status-{}">{}</td>'
        '<td class="num"><span class="status status-{}">{} {}</span></td>',
        _number(figure.target), figure.status, _number(figure.value), figure.status, symbol,
        share,
    )  # fmt: skip
