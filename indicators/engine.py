"""The aggregation engine: the value of any indicator for any unit over any month range.

Only the units at an indicator's level hold results, so the figure of any unit is computed from
the results in its subtree (one indexed prefix query on the unit path joined to the results'
(indicator, unit, month) index), by the indicator's rule:

- sum: the sum over units and months in the range;
- cumulative: the same from the program's first month to the range's last month;
- stock: the sum over units of each unit's latest value in the range;
- rate: 100 x sum of numerators / sum of denominators, each unit's latest month in the range;
- coverage: the share of units at `level` under the unit whose value of `source` over the same
  range (by the source's own rule) reaches `threshold`; a unit without a value does not.

A value saved a second ago is in every figure. Flows (sum, cumulative) of a unit above the
indicator's collection level read the month totals of its subtree (indicators.totals, kept
current in the save's transaction): one row per month whatever the size of the subtree, so a
province over a 9-year phase reads 108 rows, not the millions of its communes' and branches'.
Stocks, rates and coverage need each reporting unit's own latest value, so they read the
results of the subtree (one indexed prefix query on the unit path joined to the results'
(indicator, unit, month) index); their cost grows with (units with data) x (months in range).
For a flow read from totals, `units_reporting` is the most units that reported in any one month
of the range (the distinct count over months is not kept).

Indicators derived from activities (issue 8) are sums kept as results too, with one addition:
an activity run by a unit above the indicator's level (a province-run class) is a result row
of that unit itself (indicators.services.derived_home). It is in the unit's own month totals
and its ancestors', so the province's figure and the nation's count it, while no child's
figure does (the children read their own subtrees).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum

from indicators.models import Indicator, MonthTotal, Result, Rule, Target
from indicators.periods import month_end, month_start, months_between
from members.models import Level, Unit

HUNDRED = Decimal(100)
SUMMED_TARGET_RULES = {Rule.SUM, Rule.CUMULATIVE, Rule.STOCK}


class Status:
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"


@dataclass(frozen=True)
class Figure:
    """An indicator's figure for a unit and a month range, with its target if there is one.

    `value` is None when nothing is known (no unit of the subtree reported in the range, or the
    range ends before the program started): never a silent 0.
    """

    value: Decimal | None
    units_reporting: int = 0
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    # Coverage: how many units were counted (the denominator of the share).
    units_counted: int | None = None
    target: Decimal | None = None
    target_period_end: datetime.date | None = None
    # What the target asks for by the range's end, if it were met evenly month by month.
    expected_by_now: Decimal | None = None
    achievement: Decimal | None = None
    status: str = Status.NO_DATA


def _results(indicator: Indicator, unit: Unit) -> QuerySet[Result]:
    """The indicator's results in the unit's subtree, looked up by the ids of the subtree's
    units at the indicator's level (a join on the path prefix makes PostgreSQL scan the
    indicator's rows of the whole country); under the root, all of them."""
    rows = Result.objects.filter(indicator=indicator)
    if unit.parent_id is None:
        return rows
    if unit.level == indicator.level:  # a reporting unit: its own rows
        return rows.filter(unit=unit)
    units = Unit.objects.subtree(unit).filter(level=indicator.level)
    return rows.filter(unit__in=list(units.values_list("pk", flat=True)))


def _in_range(qs: QuerySet[Result], start: datetime.date, end: datetime.date) -> QuerySet[Result]:
    return qs.filter(month__gte=start, month__lte=end)


def _latest_in_range(
    qs: QuerySet[Result], start: datetime.date, end: datetime.date
) -> QuerySet[Result]:
    """Each unit's row of its latest month with a value in the range."""
    latest = (
        Result.objects.filter(
            indicator=OuterRef("indicator"),
            unit=OuterRef("unit"),
            month__gte=start,
            month__lte=end,
        )
        .order_by("-month")
        .values("month")[:1]
    )
    return _in_range(qs, start, end).filter(month=Subquery(latest))


def program_start(indicator: Indicator) -> datetime.date:
    return datetime.date(indicator.program.start_year, 1, 1)


def _total(qs: QuerySet[Result]) -> Figure:
    row = qs.aggregate(total=Sum("value"), units=Count("unit", distinct=True))
    return Figure(value=row["total"] if row["units"] else None, units_reporting=row["units"])


def _rate(qs: QuerySet[Result]) -> Figure:
    row = qs.aggregate(
        num=Sum("numerator"), den=Sum("denominator"), units=Count("unit", distinct=True)
    )
    num, den = row["num"], row["den"]
    value = HUNDRED * num / den if row["units"] and den else None
    return Figure(value=value, units_reporting=row["units"], numerator=num, denominator=den)


# Levels from the top: a unit above an indicator's collection level reads month totals.
LEVEL_RANK = {level: rank for rank, level in enumerate(Level.values)}


def reads_totals(indicator: Indicator, unit: Unit) -> bool:
    """Whether `unit`'s figure of a flow comes from the month totals of its subtree."""
    additive = indicator.rule in (Rule.SUM, Rule.CUMULATIVE)
    return additive and LEVEL_RANK[unit.level] < LEVEL_RANK[indicator.level]


def totals_of(
    indicator: Indicator, units: list[Unit], start: datetime.date, end: datetime.date
) -> dict[int, Figure]:
    """Each unit's sum of its subtree's month totals over the range (one grouped query)."""
    first = program_start(indicator) if indicator.rule == Rule.CUMULATIVE else start
    rows = (
        MonthTotal.objects.filter(
            indicator=indicator,
            unit__in=[u.pk for u in units],
            month__gte=first,
            month__lte=end,
            units__gt=0,
        )
        .values("unit")
        .annotate(total=Sum("value"), most=Max("units"))
    )
    return {row["unit"]: Figure(value=row["total"], units_reporting=row["most"]) for row in rows}


def measure(indicator: Indicator, unit: Unit, start: datetime.date, end: datetime.date) -> Figure:
    """The figure's value without its target (what an aggregate costs)."""
    if reads_totals(indicator, unit):
        return totals_of(indicator, [unit], start, end).get(unit.pk, Figure(value=None))
    rows = _results(indicator, unit)
    match indicator.rule:
        case Rule.SUM:
            return _total(_in_range(rows, start, end))
        case Rule.CUMULATIVE:
            return _total(_in_range(rows, program_start(indicator), end))
        case Rule.STOCK:
            return _total(_latest_in_range(rows, start, end))
        case Rule.RATE:
            return _rate(_latest_in_range(rows, start, end))
        case Rule.COVERAGE:
            return _coverage(indicator, unit, start, end)
    raise ValueError(f"unknown rule {indicator.rule!r}")


def values_by_unit(
    indicator: Indicator, unit: Unit, start: datetime.date, end: datetime.date
) -> dict[int, Decimal]:
    """Each reporting unit's own value over the range, by the indicator's rule (not coverage)."""
    rows = _results(indicator, unit)
    if indicator.rule in (Rule.SUM, Rule.CUMULATIVE):
        first = program_start(indicator) if indicator.rule == Rule.CUMULATIVE else start
        grouped = _in_range(rows, first, end).values("unit").annotate(total=Sum("value"))
        return {row["unit"]: row["total"] for row in grouped}
    latest = _latest_in_range(rows, start, end)
    if indicator.rule == Rule.STOCK:
        return {u: v for u, v in latest.values_list("unit", "value") if v is not None}
    if indicator.rule == Rule.RATE:
        return {
            unit_id: HUNDRED * num / den
            for unit_id, num, den in latest.values_list("unit", "numerator", "denominator")
            if num is not None and den
        }
    raise ValueError(f"no per-unit values for rule {indicator.rule!r}")


def coverage_figure(counted: int, meeting: int, reporting: int) -> Figure:
    """A coverage share: `meeting` of the `counted` units, None while none of them reported."""
    return Figure(
        value=HUNDRED * meeting / counted if reporting and counted else None,
        units_reporting=reporting,
        numerator=Decimal(meeting),
        denominator=Decimal(counted),
        units_counted=counted,
    )


def _coverage(indicator: Indicator, unit: Unit, start: datetime.date, end: datetime.date) -> Figure:
    assert indicator.source is not None and indicator.threshold is not None
    from indicators import coverage  # imported here: it reads this module's level ranks

    rolled = coverage.shares(indicator, unit, [], start, end, month_end(end))
    if rolled is not None:
        return coverage_figure(*rolled[unit.pk])
    # The units counted are those of the map in force on the range's last day (or the unit's
    # own last day, for a unit that ended earlier): a year that spans the 2025 reform counts
    # the new communes, not the old and the new together.
    day = month_end(end)
    if unit.valid_to is not None:
        day = min(day, unit.valid_to)
    counted = set(
        Unit.objects.subtree(unit)
        .filter(level=indicator.level)
        .valid_on(day)
        .values_list("pk", flat=True)
    )
    values = values_by_unit(indicator.source, unit, start, end)
    meeting = sum(1 for pk in counted if values.get(pk, -1) >= indicator.threshold)
    reporting = sum(1 for pk in counted if pk in values)
    return coverage_figure(len(counted), meeting, reporting)


def target_of(
    indicator: Indicator, unit: Unit, end: datetime.date
) -> tuple[Decimal | None, datetime.date | None]:
    """The target that applies to a range ending in month `end`: the unit's own target with the
    nearest period end on or after it (for a flow, only that year's), else the sum of its
    children's targets for additive rules, else none."""
    targets = Target.objects.filter(indicator=indicator, period_end__gte=month_end(end))
    if indicator.rule == Rule.SUM:
        targets = targets.filter(period_end__year=end.year)
    own = targets.filter(unit=unit).order_by("period_end").first()
    if own is not None:
        return own.value, own.period_end
    if indicator.rule not in SUMMED_TARGET_RULES:
        return None, None
    # Children of the map in force at the range's end: after the 2025 reform a province's
    # children are its new communes, not also the old districts.
    day = month_end(end)
    children = targets.filter(
        Q(unit__valid_from__isnull=True) | Q(unit__valid_from__lte=day),
        Q(unit__valid_to__isnull=True) | Q(unit__valid_to__gte=day),
        unit__parent=unit,
    )
    first = children.order_by("period_end").values_list("period_end", flat=True).first()
    if first is None:
        return None, None
    total = children.filter(period_end=first).aggregate(total=Sum("value"))["total"]
    return total, first


def _with_target(figure: Figure, indicator: Indicator, unit: Unit, end: datetime.date) -> Figure:
    target, period_end = target_of(indicator, unit, end)
    return judge(figure, indicator, target, period_end, end)


def judge(
    figure: Figure,
    indicator: Indicator,
    target: Decimal | None,
    period_end: datetime.date | None,
    end: datetime.date,
) -> Figure:
    """The figure against its target: achievement, pace and status."""
    if target is None or period_end is None:
        status = Status.NO_DATA if figure.value is None else Status.NO_TARGET
        return replace(figure, status=status)
    expected = None
    if indicator.rule in (Rule.SUM, Rule.CUMULATIVE):
        first = (
            program_start(indicator)
            if indicator.rule == Rule.CUMULATIVE
            else datetime.date(period_end.year, 1, 1)
        )
        # In Decimal, not float: 1200 x 5/12 must be exactly 500, or a unit on pace is "behind".
        months = months_between(first, period_end)
        if months:
            expected = target * min(months_between(first, end), months) / months
    achievement = HUNDRED * figure.value / target if figure.value is not None and target else None
    if figure.value is None:
        status = Status.NO_DATA
    elif figure.value >= target:
        status = Status.ACHIEVED
    elif expected is not None and figure.value >= expected:
        status = Status.ON_TRACK
    else:
        status = Status.BEHIND
    return replace(
        figure,
        target=target,
        target_period_end=period_end,
        expected_by_now=expected,
        achievement=achievement,
        status=status,
    )


def measure_from_start(
    indicator: Indicator, unit: Unit, start: datetime.date, end: datetime.date
) -> Decimal | None:
    """figure()'s value without its target (the entry form's year-to-date beside a field)."""
    start, end = month_start(start), month_start(end)
    if end < program_start(indicator):
        return None
    return measure(indicator, unit, max(start, program_start(indicator)), end).value


def figure(indicator: Indicator, unit: Unit, start: datetime.date, end: datetime.date) -> Figure:
    """The figure of `indicator` for `unit` (any level) over the months `start`..`end`."""
    start, end = month_start(start), month_start(end)
    if end < start:
        raise ValueError("the range ends before it starts")
    if end < program_start(indicator):
        measured = Figure(value=None)  # the program had not started
    else:
        measured = measure(indicator, unit, max(start, program_start(indicator)), end)
    return _with_target(measured, indicator, unit, end)
