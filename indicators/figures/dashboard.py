"""The target dashboard: a unit's children x a program's indicators over a period, each cell
actual / target / % achieved / status, the unit's own row, the month's completeness, and the
series behind the charts. Every figure is the engine's, read live (indicators.figures.table)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from common.periods import add_months, month_start, months_between
from indicators.figures import completeness
from indicators.figures.engine import Figure, figure, judge, program_start, reads_totals
from indicators.figures.rules import rule_for
from indicators.figures.table import Reads, figures_with_rest, reads_rows, targets_of_many
from indicators.models import DashboardChoice, Indicator, MonthTotal, Result
from members.models import Unit
from members.selectors import current_children
from programs.models import Program

DEFAULT_COLUMNS = 10
# A trend over more months than this is drawn by year ends, to keep the page light.
MONTHLY_TREND_LIMIT = 24


class Period(models.TextChoices):
    MONTH = "thang", _("Tháng")
    YEAR_TO_DATE = "luy-ke", _("Từ đầu năm đến tháng")
    YEAR = "nam", _("Cả năm")
    PHASE = "giai-doan", _("Cả giai đoạn")


def last_complete_month() -> datetime.date:
    return add_months(month_start(timezone.localdate()), -1)


def period_range(
    program: Program, period: str, month: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The months a period covers, ending at the last month that has passed."""
    latest = last_complete_month()
    match period:
        case Period.MONTH:
            return month, month
        case Period.YEAR:
            return month.replace(month=1), min(month.replace(month=12), max(month, latest))
        case Period.PHASE:
            last = min(datetime.date(program.end_year, 12, 1), max(month, latest))
            return datetime.date(program.start_year, 1, 1), last
    return month.replace(month=1), month


@dataclass
class Row:
    unit: Unit
    figures: list[Figure]


@dataclass
class Dashboard:
    unit: Unit
    program: Program
    indicators: list[Indicator]
    period: str
    start: datetime.date
    end: datetime.date
    rows: list[Row]
    total: Row
    completeness: completeness.Counts
    # "không phân bổ được": what old units split among several children recorded (a flow's
    # rows and this one add up to the total); None when nothing is left over.
    rest: list[Figure] | None = None

    def ranking(self, column: int) -> list[tuple[Unit, Figure]]:
        """The children by achievement of one indicator, best first, those without last."""
        pairs = [(row.unit, row.figures[column]) for row in self.rows]
        return sorted(pairs, key=lambda p: (p[1].achievement is None, -(p[1].achievement or 0)))


Column = tuple[dict[int, Figure], Figure | None, Figure]  # children's, "rest", the total


def columns_of(
    indicators: list[Indicator],
    unit: Unit,
    children: list[Unit],
    start: datetime.date,
    end: datetime.date,
    step: Callable[[], None] | None = None,
) -> list[Column]:
    """A table of the unit's children x indicators over the range, one column per indicator
    (indicators.figures.table.figures_with_rest): each child's figure, the row "không phân bổ
    được" (what split old units recorded) and the unit's total, the targets read in two
    queries and each indicator's rows once. The dashboard's table and the report's main table
    both are this; `step` is called after each column (a report's progress)."""
    targets: dict[int, dict[int, tuple[Decimal, datetime.date]]] = defaultdict(dict)
    for (indicator_id, unit_id), target in targets_of_many(
        indicators, [*children, unit], end
    ).items():
        targets[indicator_id][unit_id] = target  # each indicator's, not all of them per column
    reads = Reads()
    reads.prefetch([i for i in indicators if reads_rows(i, children)], unit, start, end)
    columns = []
    for ind in indicators:
        own = targets.get(ind.pk, {})
        columns.append(figures_with_rest(ind, unit, children, start, end, own, reads))
        if step is not None:
            step()
    return columns


def rest_of(columns: list[Column]) -> list[Figure] | None:
    """The row "không phân bổ được" of a table, None when no column has anything there."""
    rest = [r for _c, r, _t in columns]
    return [r or Figure(value=None) for r in rest] if any(r is not None for r in rest) else None


def build(
    unit: Unit, program: Program, indicators: list[Indicator], period: str, month: datetime.date
) -> Dashboard:
    start, end = period_range(program, period, month)
    children = list(current_children(unit, add_months(end, 1) - datetime.timedelta(days=1)))
    columns = columns_of(indicators, unit, children, start, end)
    rows = [Row(child, [column[child.pk] for column, _r, _t in columns]) for child in children]
    total = Row(unit, [own for _c, _r, own in columns])
    counts = completeness.counts_for(unit, program, end)
    board = Dashboard(unit, program, indicators, period, start, end, rows, total, counts)
    board.rest = rest_of(columns)
    return board


def trend(
    indicator: Indicator, unit: Unit, start: datetime.date, end: datetime.date
) -> tuple[list[tuple[datetime.date, Figure]], bool]:
    """The unit's figure from `start` to each month of the range, or to each year end when the
    range is long (then the second value is True)."""
    yearly = months_between(start, end) > MONTHLY_TREND_LIMIT
    if yearly:
        points = [datetime.date(y, 12, 1) for y in range(start.year, end.year)] + [end]
    else:
        points = [add_months(start, n) for n in range(months_between(start, end))]
    if reads_totals(indicator, unit) and end >= program_start(indicator):
        return _running_totals(indicator, unit, start, points), yearly
    return [(m, figure(indicator, unit, start, m)) for m in points], yearly


def period_totals(
    indicator: Indicator, unit: Unit, start: datetime.date, end: datetime.date
) -> dict[datetime.date, int]:
    """The months of the range whose figure includes a quarter's, half-year's or year's total
    from a legacy file (stored on the period's last month): month -> months it covers."""
    rows = Result.objects.filter(
        indicator=indicator, covers_months__gt=1, month__gte=start, month__lte=end
    )
    if unit.parent_id is not None:
        rows = rows.filter(unit__path__startswith=unit.path)
    found = rows.values("month").annotate(months=Max("covers_months"))
    return {row["month"]: row["months"] for row in found}


def _running_totals(
    indicator: Indicator, unit: Unit, start: datetime.date, points: list[datetime.date]
) -> list[tuple[datetime.date, Figure]]:
    """A flow's figure from `start` to each point, from one query on the month totals (the
    same numbers as figure() point by point, which would query each month again)."""
    first = rule_for(indicator).first_month(start)
    first = max(first, program_start(indicator))
    monthly = dict(
        MonthTotal.objects.filter(
            indicator=indicator, unit=unit, month__gte=first, month__lte=points[-1], units__gt=0
        ).values_list("month", "value")
    )
    result, running, seen = [], Decimal(0), False
    month = first
    targets = _targets_along(indicator, unit, points)
    for point, (target, period_end) in zip(points, targets, strict=True):
        while month <= point:
            if month in monthly:
                running, seen = running + monthly[month], True
            month = add_months(month, 1)
        measured = Figure(value=running if seen else None)
        result.append((point, judge(measured, indicator, target, period_end, point, start)))
    return result


def _targets_along(
    indicator: Indicator, unit: Unit, points: list[datetime.date]
) -> list[tuple[Decimal | None, datetime.date | None]]:
    """engine.target_of at each point, from the unit's and its children's targets read once
    (a year across the reform changes the children, and so the summed target, mid-way)."""
    return rule_for(indicator).targets_along(unit, points)


def chosen_indicators(
    user: User, program: Program, codes: list[str] | None, indicators: list[Indicator]
) -> list[Indicator]:
    """The columns among the program's `indicators` (indicators.selectors.program_indicators):
    those just picked (and remembered), else those remembered, else the program's first ones."""
    saved = DashboardChoice.objects.filter(user=user, program=program).first()
    if codes:
        # Written only when the pick changed: a link with the columns in it (every page of the
        # dashboard keeps them) would otherwise lock, update and commit on each view.
        if saved is None or saved.codes != codes:
            DashboardChoice.objects.update_or_create(
                user=user, program=program, defaults={"codes": codes}
            )
    else:
        codes = saved.codes if saved else [i.code for i in indicators[:DEFAULT_COLUMNS]]
    picked = [i for i in indicators if i.code in codes]
    return picked or indicators[:DEFAULT_COLUMNS]
