"""The dashboard's cells rendered in Python: a page has rows x indicators x 3 cells, and an
{% include %} per cell cost more than all its queries."""

from decimal import Decimal
from html import escape  # Django's adds a SafeString per call; the cells are marked safe whole

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from common.numbers import format_number
from indicators.figures.base import Basis, basis_caption
from indicators.figures.dashboard import Dashboard
from indicators.figures.engine import Figure, Status
from indicators.models import Indicator, Rule

register = template.Library()

SYMBOLS = {Status.ACHIEVED: "✔", Status.ON_TRACK: "➚", Status.BEHIND: "✖"}


def _number(value: Decimal | None) -> str:
    return "–" if value is None else format_number(value, 2)


def caption(figure: Figure) -> str:
    """The word before the goal when it is not the whole target: "theo tiến độ" (a flow's pace
    by the view's end) or "mức cần đạt" (a level to reach by the target's end)."""
    return basis_caption(figure.basis)


class _Words:
    """The words of a table's cells, translated once per table rather than once per cell (a
    province's dashboard has hundreds of cells)."""

    def __init__(self) -> None:
        self.not_set = escape(_("chưa giao"))
        self.whole = _("kế hoạch %(target)s đến %(end)s")
        self._captions: dict[str, str] = {}
        self._numbers: dict[tuple[Decimal, int], str] = {}

    def number(self, value: Decimal | None, places: int = 2) -> str:
        """_number (a share with places=0), each value written once per table: a table's
        numbers repeat (a target is its own goal, an indicator's pace is the same for every
        child). format_number writes equal Decimals alike whatever their exponent."""
        if value is None:
            return "–"
        key = (value, places)
        text = self._numbers.get(key)
        if text is None:
            text = self._numbers[key] = format_number(value, places)
        return text

    def caption(self, figure: Figure) -> str:
        if figure.basis not in self._captions:
            self._captions[figure.basis] = caption(figure)
        return self._captions[figure.basis]


def comparison(figure: Figure) -> str:
    """What the cell compares, in words: "theo tiến độ: 35 / 120 (29%)", "35 / 800 (4%)";
    the whole target and its end follow a pace or a level."""
    if figure.goal is None:
        return ""
    return _comparison(figure, _number(figure.value), _number(figure.goal), _Words())


def _comparison(
    figure: Figure, value: str, goal: str, words: _Words, share: str | None = None
) -> str:
    """`comparison` with the figure's value and goal (and its % when at hand) already
    written."""
    if share is None:
        share = "–" if figure.achievement is None else f"{words.number(figure.achievement, 0)}%"
    text = f"{value} / {goal} ({share})"
    if figure.basis == Basis.TARGET or figure.target is None:
        return text
    whole = words.whole % {
        "target": words.number(figure.target),
        "end": f"{figure.target_period_end:%m/%Y}" if figure.target_period_end else "–",
    }
    return f"{words.caption(figure)}: {text}; {whole}"


def _cells(figure: Figure, words: _Words) -> str:
    if figure.achievement is not None:
        share = achieved = f"{words.number(figure.achievement, 0)}%"
    else:
        achieved = "–"
        share = words.not_set if figure.status == Status.NO_TARGET else "–"
    status = escape(figure.status)
    goal = words.number(figure.goal if figure.goal is not None else figure.target)
    value = words.number(figure.value)
    caption_words = words.caption(figure)
    label = f'<span class="small muted">{escape(caption_words)}</span> ' if caption_words else ""
    title = (
        f' title="{escape(_comparison(figure, value, goal, words, achieved))}"'
        if figure.goal is not None
        else ""
    )
    return (
        f'<td class="num goal basis-{escape(figure.basis)}"{title}>{label}{goal}</td>'
        f'<td class="num value status-{status}">{value}</td>'
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
    words = _Words()
    return mark_safe("".join(_cells(figure, words) for figure in figures))


@register.simple_tag
def child_rows(board: Dashboard, query: str) -> SafeString:
    """The table's row per child unit (its name linking to its own dashboard with the same
    query, then figure_cells), the words translated once for the table: the same HTML as a
    template loop over the rows, written in Python (a province has dozens of communes, each
    row ten indicators). Every text is escaped, the cells are figure_cells'."""
    words = _Words()
    code = board.program.code
    query = escape(query)
    return mark_safe(
        "".join(
            f'\n        <tr data-unit="{escape(row.unit.code)}">\n          <th scope="row">'
            f'<a href="{escape(reverse("indicators:dashboard", args=[row.unit.pk, code]))}'
            f'?{query}">{escape(row.unit.name)}</a></th>\n          '
            + "".join(_cells(figure, words) for figure in row.figures)
            + "\n        </tr>\n      "
            for row in board.rows
        )
    )


@register.filter
def goal_caption(figure: Figure) -> str:
    return caption(figure)


@register.filter
def compared(figure: Figure) -> str:
    return comparison(figure)


def _status_words() -> dict[str, str]:
    return {
        Status.ACHIEVED: f"✔ {escape(_('Đạt'))}",
        Status.ON_TRACK: f"➚ {escape(_('Đúng tiến độ'))}",
        Status.BEHIND: f"✖ {escape(_('Chậm'))}",
        Status.NO_TARGET: escape(_("Chưa giao kế hoạch")),
    }


def _unit_row(indicator: Indicator, figure: Figure, statuses: dict[str, str]) -> str:
    value = "–"
    if figure.value is not None:
        percent = "%" if indicator.rule in (Rule.RATE, Rule.COVERAGE) else ""
        value = f"{floatformat(figure.value, '-1g')}{percent}"
    title = f' title="{escape(comparison(figure))}"' if figure.goal is not None else ""
    goal = "–"
    if figure.compared_with is not None:
        words = caption(figure)
        label = f'<span class="small muted">{escape(words)}</span> ' if words else ""
        goal = f"{label}{floatformat(figure.compared_with, '-1g')}"
    share = "–" if figure.achievement is None else floatformat(figure.achievement, "1g")
    status = statuses.get(figure.status) or escape(_("Chưa có số liệu"))
    return (
        f'\n      <tr data-indicator="{escape(indicator.code)}">'
        f'\n        <td><span class="code">{escape(indicator.code)}</span> '
        f"{escape(indicator.name_vi)}</td>"
        f'\n        <td class="num value">{value}</td>'
        f'\n        <td class="num"{title}>{goal}</td>'
        f'\n        <td class="num">{share}</td>'
        f'\n        <td><span class="status status-{escape(figure.status)}">{status}</span></td>'
        f'\n        <td class="num">{escape(str(figure.units_reporting))}</td>'
        "\n      </tr>\n    "
    )


@register.simple_tag
def unit_figure_rows(figures: list[tuple[Indicator, Figure]]) -> SafeString:
    """The unit page's figures (indicators.selectors.unit_figures), a row per indicator:
    value, goal (labelled as figure_cells labels it, the comparison in its title), %, status
    in words and the units reporting; numbers as floatformat writes them ("-1g", a share
    "1g"). The same HTML as the template's loop, every text escaped or a number."""
    statuses = _status_words()
    return mark_safe("".join(_unit_row(ind, figure, statuses) for ind, figure in figures))
