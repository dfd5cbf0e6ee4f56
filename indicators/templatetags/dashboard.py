"""The dashboard's cells rendered in Python: a page has rows x indicators x 3 cells, and an
{% include %} per cell cost more than all its queries."""

from decimal import Decimal

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from common.numbers import format_number
from indicators.figures.base import Basis, basis_caption
from indicators.figures.engine import Figure, Status

register = template.Library()

SYMBOLS = {Status.ACHIEVED: "✔", Status.ON_TRACK: "➚", Status.BEHIND: "✖"}


def _number(value: Decimal | None) -> str:
    return "–" if value is None else format_number(value, 2)


def caption(figure: Figure) -> str:
    """The word before the goal when it is not the whole target: "theo tiến độ" (a flow's pace
    by the view's end) or "mức cần đạt" (a level to reach by the target's end)."""
    return basis_caption(figure.basis)


def comparison(figure: Figure) -> str:
    """What the cell compares, in words: "theo tiến độ: 35 / 120 (29%)", "35 / 800 (4%)";
    the whole target and its end follow a pace or a level."""
    if figure.goal is None:
        return ""
    share = "–" if figure.achievement is None else f"{format_number(figure.achievement)}%"
    text = f"{_number(figure.value)} / {_number(figure.goal)} ({share})"
    if figure.basis == Basis.TARGET or figure.target is None:
        return text
    whole = _("kế hoạch %(target)s đến %(end)s") % {
        "target": _number(figure.target),
        "end": f"{figure.target_period_end:%m/%Y}" if figure.target_period_end else "–",
    }
    return f"{caption(figure)}: {text}; {whole}"


def _cells(figure: Figure, not_set: str) -> str:
    if figure.achievement is not None:
        share = f"{format_number(figure.achievement)}%"
    else:
        share = not_set if figure.status == Status.NO_TARGET else "–"
    status = escape(figure.status)
    goal = figure.goal if figure.goal is not None else figure.target
    words = caption(figure)
    label = f'<span class="small muted">{escape(words)}</span> ' if words else ""
    title = f' title="{escape(comparison(figure))}"' if figure.goal is not None else ""
    return (
        f'<td class="num goal basis-{escape(figure.basis)}"{title}>{label}{_number(goal)}</td>'
        f'<td class="num value status-{status}">{_number(figure.value)}</td>'
        f'<td class="num"{title}><span class="status status-{status}">'
        f"{SYMBOLS.get(figure.status, '')} {share}</span></td>"
    )


@register.simple_tag
def figure_cells(figures: list[Figure]) -> SafeString:
    """A row's cells: Kế hoạch, Thực hiện and % per figure, the status as a symbol, a word and
    a class (not colour alone). In a view inside the target's period the Kế hoạch cell holds
    the goal the % divides by, labelled ("theo tiến độ 120"), the whole target in its title.
    Numbers come from format_number (digits, dots, commas), the other texts from this module
    or are escaped."""
    not_set = escape(_("chưa giao"))
    return mark_safe("".join(_cells(figure, not_set) for figure in figures))


@register.filter
def goal_caption(figure: Figure) -> str:
    return caption(figure)


@register.filter
def compared(figure: Figure) -> str:
    return comparison(figure)
