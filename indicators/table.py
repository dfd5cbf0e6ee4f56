"""Figures of many sibling units at once (a dashboard's rows, a report's rows): the same
numbers as indicators.engine.figure() for each unit, in a few queries per indicator whatever
the number of units, instead of a few per unit.

- flows of units above the collection level: one grouped query on the month totals;
- anything else: one query on the results of the parent's subtree (for stocks and rates each
  reporting unit's latest month, found with a window function), grouped by child in Python;
- coverage: the source's per-unit values and the units counted, grouped by child;
- targets: the units' own targets in one query, the sum of their children's in another.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import F, Q, Sum, Window
from django.db.models.functions import RowNumber

from indicators import coverage
from indicators.engine import (
    HUNDRED,
    LEVEL_RANK,
    SUMMED_TARGET_RULES,
    Figure,
    coverage_figure,
    judge,
    program_start,
    reads_totals,
    totals_of,
)
from indicators.models import Indicator, Result, Rule, Target
from indicators.periods import month_end, month_start
from members.models import PATH_SEP, Level, Unit


def child_of(path: str, parent: Unit) -> int:
    """The id of `parent`'s child on a descendant's path (the parent's own id for itself)."""
    if path == parent.path:
        return parent.pk
    start = len(parent.path)  # a descendant's path starts with its ancestor's "/1/5/"
    return int(path[start : path.index(PATH_SEP, start)])


# id, the id of the parent's child it lies under (the parent's id for the parent), valid dates.
FLOWS = (Rule.SUM, Rule.CUMULATIVE)
UnitRow = tuple[int, int, datetime.date | None, datetime.date | None]
ValueRow = tuple[int, int, Decimal | None, Decimal | None, Decimal | None]  # id, child, values


class Reads:
    """What one page reads, each once: the units of a level under a parent, and each
    reporting unit's row of an indicator over a range (a coverage and its source, a rate and
    the coverage of that rate, share them)."""

    def __init__(self) -> None:
        self._units: dict[tuple[int, str], list[UnitRow]] = {}
        self._rows: dict[tuple[int, int, datetime.date, datetime.date], list[ValueRow]] = {}

    def units(self, parent: Unit, level: str) -> list[UnitRow]:
        key = (parent.pk, level)
        if key not in self._units:
            units = Unit.objects.subtree(parent).filter(level=level)
            self._units[key] = [
                (pk, child_of(path, parent), valid_from, valid_to)
                for pk, path, valid_from, valid_to in units.values_list(
                    "pk", "path", "valid_from", "valid_to"
                )
            ]
        return self._units[key]

    def units_above(self, parent: Unit, level: str) -> dict[int, int]:
        """The subtree's units above `level` (a province, its districts): id -> child id."""
        above = [lvl for lvl in Level.values if LEVEL_RANK[lvl] < LEVEL_RANK[level]]
        units = Unit.objects.subtree(parent).filter(level__in=above)
        return {pk: child_of(path, parent) for pk, path in units.values_list("pk", "path")}

    def rows(
        self, indicator: Indicator, parent: Unit, start: datetime.date, end: datetime.date
    ) -> list[ValueRow]:
        key = (indicator.pk, parent.pk, start, end)
        if key not in self._rows:
            self._rows[key] = self._read([indicator], parent, start, end)[indicator.pk]
        return self._rows[key]

    def prefetch(
        self, indicators: Sequence[Indicator], parent: Unit, start: datetime.date,
        end: datetime.date,
    ) -> None:  # fmt: skip
        """Reads the rows of several indicators that `rows` will be asked for (with the
        start each is measured from), one query per kind instead of one per indicator."""
        groups: dict[tuple[str, bool, bool, datetime.date], list[Indicator]] = defaultdict(list)
        for indicator in indicators:
            first = max(start, program_start(indicator))
            flow = indicator.rule in FLOWS
            if indicator.rule == Rule.CUMULATIVE:
                first = program_start(indicator)
            groups[(indicator.level, bool(indicator.derived_from), flow, first)].append(indicator)
        for (_level, _derived, _flow, first), group in groups.items():
            found = self._read(group, parent, first, end)
            for indicator in group:
                key = (indicator.pk, parent.pk, max(start, program_start(indicator)), end)
                self._rows[key] = found[indicator.pk]

    def _read(
        self, indicators: Sequence[Indicator], parent: Unit, start: datetime.date,
        end: datetime.date,
    ) -> dict[int, list[ValueRow]]:  # fmt: skip
        """(unit id, child id, value, numerator, denominator) per reporting unit of the
        subtree, per indicator: the sum of its months for a flow, its latest month in the range
        for a stock or a rate. The indicators share a level and a kind (flow or not).

        The subtree's units at the indicator's level are read first and the results looked up
        by their ids (one index range per unit): a join on the path prefix makes PostgreSQL
        scan the indicator's rows of the whole country. Under the root, no filter at all: the
        (indicator, month) covering index gives the range without touching the table."""
        sample = indicators[0]
        children = {pk: child for pk, child, _f, _t in self.units(parent, sample.level)}
        if sample.derived_from:  # activities units above the level ran themselves
            children |= self.units_above(parent, sample.level)
        rows = Result.objects.filter(indicator__in=[i.pk for i in indicators], month__lte=end)
        if parent.parent_id is not None:
            rows = rows.filter(unit__in=list(children))
        found: list[tuple[int, int, Decimal | None, Decimal | None, Decimal | None]]
        if sample.rule in FLOWS:
            first = program_start(sample) if sample.rule == Rule.CUMULATIVE else start
            grouped = rows.filter(month__gte=first).values("indicator", "unit")
            found = [
                (indicator, unit, value, None, None)
                for indicator, unit, value in grouped.annotate(v=Sum("value")).values_list(
                    "indicator", "unit", "v"
                )
            ]
        else:
            latest = Window(
                RowNumber(), partition_by=[F("indicator"), F("unit")], order_by=F("month").desc()
            )
            found = list(
                rows.filter(month__gte=start)
                .annotate(rank=latest)
                .filter(rank=1)
                .values_list("indicator", "unit", "value", "numerator", "denominator")
            )
        by_indicator: dict[int, list[ValueRow]] = {i.pk: [] for i in indicators}
        for indicator, unit, v, n, d in found:
            if unit in children:
                by_indicator[indicator].append((unit, children[unit], v, n, d))
        return by_indicator


def _unit_values(indicator: Indicator, rows: list[ValueRow]) -> dict[int, Decimal]:
    """engine.values_by_unit from the rows: a rate as a percentage."""
    if indicator.rule == Rule.RATE:
        return {u: HUNDRED * n / d for u, _p, _v, n, d in rows if n is not None and d}
    return {u: v for u, _p, v, _n, _d in rows if v is not None}


# The key of the parent's own figure among its children's (unit ids start at 1).
ALL = 0


def _figure(indicator: Indicator, sums: list[Decimal], count: int) -> Figure:
    value, num, den = sums
    if indicator.rule == Rule.RATE:
        rate = HUNDRED * num / den if den else None
        return Figure(rate, count, numerator=num, denominator=den)
    return Figure(value, count)


def _grouped(
    indicator: Indicator, parent: Unit, start: datetime.date, end: datetime.date, reads: Reads
) -> dict[int, Figure]:
    """Each child's figure from the subtree's rows, and the parent's (ALL) from the same rows."""
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    counts: dict[int, int] = defaultdict(int)
    for _unit, child, value, num, den in reads.rows(indicator, parent, start, end):
        for key in (child, ALL):
            for i, amount in enumerate((value, num, den)):
                sums[key][i] += amount or 0
            counts[key] += 1
    return {key: _figure(indicator, sums[key], counts[key]) for key in sums}


def _valid(
    valid_from: datetime.date | None, valid_to: datetime.date | None, day: datetime.date
) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or valid_to >= day)


def _last_day(unit: Unit, day: datetime.date) -> datetime.date:
    """The map a unit's coverage counts on (engine._coverage): the range's last day, or the
    unit's own last day if it ended before."""
    return min(day, unit.valid_to) if unit.valid_to is not None else day


def _coverage(
    indicator: Indicator, parent: Unit, children: Sequence[Unit], start: datetime.date,
    end: datetime.date, reads: Reads,
) -> dict[int, Figure]:  # fmt: skip
    assert indicator.source is not None and indicator.threshold is not None
    day = month_end(end)
    rolled = coverage.shares(indicator, parent, children, start, end, day)
    if rolled is not None:
        if parent.pk in rolled:
            rolled[ALL] = rolled.pop(parent.pk)
        return {key: coverage_figure(*counts) for key, counts in rolled.items()}
    values = _unit_values(indicator.source, reads.rows(indicator.source, parent, start, end))
    days = {child.pk: _last_day(child, day) for child in children}
    parent_day = _last_day(parent, day)
    met = {pk for pk, value in values.items() if value >= indicator.threshold}
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # counted, meeting, reporting
    for pk, child, valid_from, valid_to in reads.units(parent, indicator.level):
        if valid_from is None and valid_to is None:  # most units: valid whatever the day
            keys: tuple[int, ...] = (ALL,) if child == parent.pk else (child, ALL)
        else:
            keys = tuple(
                key
                for key, last in ((child, days.get(child, day)), (ALL, parent_day))
                if (key == ALL or child != parent.pk) and _valid(valid_from, valid_to, last)
            )
        for key in keys:
            row = tally[key]
            row[0] += 1
            row[1] += pk in met
            row[2] += pk in values
    return {key: coverage_figure(*counts) for key, counts in tally.items()}


def reads_rows(indicator: Indicator, children: Sequence[Unit]) -> bool:
    """Whether the children's figures come from the subtree's rows (Reads.rows), not from
    month totals (flows of children above the level) or coverage totals."""
    if indicator.rule == Rule.COVERAGE:
        return False
    return not (children and all(reads_totals(indicator, c) for c in children))


def _measures(
    indicator: Indicator, parent: Unit, children: Sequence[Unit], start: datetime.date,
    end: datetime.date, reads: Reads,
) -> dict[int, Figure]:  # fmt: skip
    if end < program_start(indicator):
        return {}
    start = max(start, program_start(indicator))
    if indicator.rule == Rule.COVERAGE:
        return _coverage(indicator, parent, children, start, end, reads)
    if not reads_rows(indicator, children):
        found = totals_of(indicator, [*children, parent], start, end)
        if parent.pk in found:
            found[ALL] = found.pop(parent.pk)
        return found
    return _grouped(indicator, parent, start, end, reads)


TargetKey = tuple[int, int]  # (indicator id, unit id)


def targets_of_many(
    indicators: Sequence[Indicator], units: Sequence[Unit], end: datetime.date
) -> dict[TargetKey, tuple[Decimal, datetime.date]]:
    """engine.target_of for many indicators and units in two queries: each unit's own target
    (the nearest period end on or after the range's; a flow's only in the range's year), else,
    for additive rules, the sum of its children's (valid at the range's end)."""
    day = month_end(end)
    rules = {i.pk: i.rule for i in indicators}
    candidates = Target.objects.filter(indicator__in=list(rules), period_end__gte=day)

    def usable(indicator_id: int, period_end: datetime.date) -> bool:
        return rules[indicator_id] != Rule.SUM or period_end.year == end.year

    found: dict[TargetKey, tuple[Decimal, datetime.date]] = {}
    own = candidates.filter(unit__in=[u.pk for u in units]).order_by("-period_end")
    for ind, unit, value, period_end in own.values_list("indicator", "unit", "value", "period_end"):
        if usable(ind, period_end):
            found[(ind, unit)] = (value, period_end)  # the nearest period end comes last
    additive = [i for i, rule in rules.items() if rule in SUMMED_TARGET_RULES]
    if not additive:
        return found
    summed = (
        candidates.filter(
            Q(unit__valid_from__isnull=True) | Q(unit__valid_from__lte=day),
            Q(unit__valid_to__isnull=True) | Q(unit__valid_to__gte=day),
            unit__parent__in=[u.pk for u in units],
            indicator__in=additive,
        )
        .values("indicator", "unit__parent", "period_end")
        .annotate(total=Sum("value"))
        .order_by("-period_end")
    )
    sums: dict[TargetKey, tuple[Decimal, datetime.date]] = {}
    for row in summed:
        if usable(row["indicator"], row["period_end"]):
            sums[(row["indicator"], row["unit__parent"])] = (row["total"], row["period_end"])
    return {**sums, **found}


def targets_for(
    indicator: Indicator, units: Sequence[Unit], end: datetime.date
) -> dict[int, tuple[Decimal, datetime.date]]:
    """engine.target_of for many units of one indicator."""
    found = targets_of_many([indicator], units, end)
    return {unit: target for (_i, unit), target in found.items()}


def figures_with_total(
    indicator: Indicator, parent: Unit, children: Sequence[Unit], start: datetime.date,
    end: datetime.date, targets: dict[int, tuple[Decimal, datetime.date]] | None = None,
    reads: Reads | None = None,
) -> tuple[dict[int, Figure], Figure]:  # fmt: skip
    """Each child's figure of `indicator` over the range, judged against its target, and the
    parent's own figure computed from the same rows. `targets` (unit id -> target), when
    given, saves the two target queries (see targets_of_many); `reads`, shared by the columns
    of a page, reads each unit list and each indicator's rows once."""
    start, end = month_start(start), month_start(end)
    measured = _measures(indicator, parent, children, start, end, reads or Reads())
    if targets is None:
        targets = targets_for(indicator, [*children, parent], end)

    def judged(unit: Unit, key: int) -> Figure:
        target, period_end = targets.get(unit.pk, (None, None))
        return judge(measured.get(key, Figure(value=None)), indicator, target, period_end, end)

    return {child.pk: judged(child, child.pk) for child in children}, judged(parent, ALL)


def figures_of(
    indicator: Indicator, parent: Unit, children: Sequence[Unit], start: datetime.date,
    end: datetime.date,
) -> dict[int, Figure]:  # fmt: skip
    """Each child's figure of `indicator` over the range, judged against its target."""
    return figures_with_total(indicator, parent, children, start, end)[0]
