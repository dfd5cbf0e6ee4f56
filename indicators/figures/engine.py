"""The aggregation engine: the value of any indicator for any unit over any month range.

Only the units at an indicator's level hold results, so the figure of any unit is computed from
the results in its subtree (one indexed prefix query on the unit path joined to the results'
(indicator, unit, month) index), by the indicator's rule (each one a class of
indicators.figures.rules,
dispatched once through `rule_for`):

- sum: the sum over units and months in the range;
- cumulative: the same from the program's first month to the range's last month;
- stock: the sum over units of each unit's latest value in the range;
- rate: 100 x sum of numerators / sum of denominators, each unit's latest month in the range;
- coverage: the share of units at `level` under the unit whose value of `source` over the same
  range (by the source's own rule) reaches `threshold`; a unit without a value does not.

A value saved a second ago is in every figure. Flows (sum, cumulative) of a unit above the
indicator's collection level read the month totals of its subtree (indicators.figures.totals, kept
current in the save's transaction): one row per month whatever the size of the subtree, so a
province over a 9-year phase reads 108 rows, not the millions of its communes' and branches'.
Stocks, rates and coverage need each reporting unit's own latest value, so they read the
results of the subtree (one indexed prefix query on the unit path joined to the results'
(indicator, unit, month) index); their cost grows with (units with data) x (months in range).
For a flow read from totals, `units_reporting` is the most units that reported in any one month
of the range (the distinct count over months is not kept).

Indicators derived from activities are sums kept as results too, with one addition:
an activity run by a unit above the indicator's level (a province-run class) is a result row
of that unit itself (indicators.catalogue.services.derived_home). It is in the unit's own month
totals
and its ancestors', so the province's figure and the nation's count it, while no child's
figure does (the children read their own subtrees).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from common.periods import month_start
from indicators.figures.base import HUNDRED as HUNDRED  # re-exported: callers import them from here
from indicators.figures.base import LEVEL_RANK as LEVEL_RANK
from indicators.figures.base import Figure as Figure
from indicators.figures.base import Status as Status
from indicators.figures.base import program_start as program_start
from indicators.figures.rules import rule_for
from indicators.figures.table import shared_reads, targets_of_many
from indicators.models import Indicator
from members.models import Unit


def reads_totals(indicator: Indicator, unit: Unit) -> bool:
    """Whether `unit`'s figure of a flow comes from the month totals of its subtree."""
    return rule_for(indicator).reads_totals(unit)


def measure(indicator: Indicator, unit: Unit, start: datetime.date, end: datetime.date) -> Figure:
    """The figure's value without its target (what an aggregate costs)."""
    return rule_for(indicator).measure(unit, start, end)


def values_by_unit(
    indicator: Indicator, unit: Unit, start: datetime.date, end: datetime.date
) -> dict[int, Decimal]:
    """Each reporting unit's own value over the range, by the indicator's rule (not coverage)."""
    return rule_for(indicator).values_by_unit(unit, start, end)


def target_of(
    indicator: Indicator, unit: Unit, end: datetime.date
) -> tuple[Decimal | None, datetime.date | None]:
    """The target that applies to a range ending in month `end`: the unit's own target with the
    nearest period end on or after it (for a flow, only that year's), else the sum of its
    children's targets for additive rules, else none."""
    return rule_for(indicator).target_of(unit, end)


def judge(
    figure: Figure,
    indicator: Indicator,
    target: Decimal | None,
    period_end: datetime.date | None,
    end: datetime.date,
    start: datetime.date | None = None,
) -> Figure:
    """The figure of the view `start`..`end` against its target: achievement, pace and status
    (a view inside the target's period against its pace, see AggregationRule.judge)."""
    return rule_for(indicator).judge(figure, target, period_end, end, start)


def measure_from_start(
    indicator: Indicator, unit: Unit, start: datetime.date, end: datetime.date
) -> Decimal | None:
    """figure()'s value without its target (the entry form's year-to-date beside a field)."""
    start, end = month_start(start), month_start(end)
    if end < program_start(indicator):
        return None
    return measure(indicator, unit, max(start, program_start(indicator)), end).value


Target = tuple[Decimal | None, datetime.date | None]


def figure(
    indicator: Indicator,
    unit: Unit,
    start: datetime.date,
    end: datetime.date,
    *,
    target: Target | None = None,
) -> Figure:
    """The figure of `indicator` for `unit` (any level) over the months `start`..`end`, judged
    against the target for this view (AggregationRule.judge): a view inside the target's
    period (a month, a quarter, a year of a phase) against its pace, the whole period against
    the whole target; `Figure.basis` says which. `target`, when given, is `target_of`'s answer
    read beforehand (figures_of_unit reads every indicator's at once)."""
    start, end = month_start(start), month_start(end)
    if end < start:
        raise ValueError("the range ends before it starts")
    rule = rule_for(indicator)
    if end < program_start(indicator):
        measured = Figure(value=None)  # the program had not started
    else:
        measured = rule.measure(unit, max(start, program_start(indicator)), end)
    amount, period_end = rule.target_of(unit, end) if target is None else target
    return rule.judge(measured, amount, period_end, end, start)


def figures_of_unit(
    indicators: Sequence[Indicator], unit: Unit, start: datetime.date, end: datetime.date
) -> list[Figure]:
    """`figure` of each indicator for one unit (a unit page's figures) in a few queries rather
    than a few per indicator: the targets in two (table.targets_of_many), and, for a unit with a
    lineage, whose figures come from its subtree's rows (rules._through_table), the units and
    rows read once per kind of indicator (Reads.prefetch_unit), and for a unit above the level
    of its flows, their month totals in one query (Reads.prefetch_flows)."""
    start, end = month_start(start), month_start(end)
    with shared_reads() as reads:
        reads.prefetch_unit(indicators, unit, start, end)
        reads.prefetch_flows(indicators, unit, start)
        targets = targets_of_many(indicators, [unit], end)
        return [
            figure(ind, unit, start, end, target=targets.get((ind.pk, unit.pk), (None, None)))
            for ind in indicators
        ]
