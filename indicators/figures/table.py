"""Figures of many sibling units at once (a dashboard's rows, a report's rows): the same
numbers as indicators.figures.engine.figure() for each unit, in a few queries per indicator whatever
the number of units, instead of a few per unit. Each rule computes its own table from the
reads here (indicators.figures.rules, `measures`):

- flows of units above the collection level: one grouped query on the month totals;
- anything else: one query on the results of the parent's subtree (for stocks and rates each
  reporting unit's latest month, found with a window function), grouped by child in Python;
- coverage: the source's per-unit values and the units counted, grouped by child;
- targets: the units' own targets in one query, the sum of their children's in another.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.db.models import F, Sum, Window
from django.db.models.functions import RowNumber

from common.periods import month_end, month_start
from indicators.figures.base import LEVEL_RANK, Figure, any_of, program_start
from indicators.figures.rules import ALL, AggregationRule, month_totals, rule_for
from indicators.models import Indicator, Result, Target
from members.lineage import Lineage, lineage
from members.models import PATH_SEP, Level, Unit


def child_of(path: str, parent: Unit) -> int:
    """The id of `parent`'s child on a descendant's path (the parent's own id for itself)."""
    if path == parent.path:
        return parent.pk
    start = len(parent.path)  # a descendant's path starts with its ancestor's "/1/5/"
    return int(path[start : path.index(PATH_SEP, start)])


# id, the id of the parent's child it lies under (the parent's id for the parent), valid dates.
UnitRow = tuple[int, int, datetime.date | None, datetime.date | None]
ValueRow = tuple[int, int, Decimal | None, Decimal | None, Decimal | None]  # id, child, values
FlowTotals = dict[int, dict[int, Figure]]  # indicator id -> unit id -> its month totals' sum


class Reads:
    """What one page reads, each once: the units of a level under a parent, and each
    reporting unit's row of an indicator over a range (a coverage and its source, a rate and
    the coverage of that rate, share them)."""

    def __init__(self) -> None:
        self._units: dict[tuple[int, str, datetime.date], list[UnitRow]] = {}
        self._rows: dict[tuple[int, int, datetime.date, datetime.date], list[ValueRow]] = {}
        self._held: dict[tuple[int, int, datetime.date, datetime.date], list[ValueRow]] = {}
        # Old unit -> the unit at a level that holds it, per (parent, day, level): the
        # indicators of a level ask the same (a rate and the coverage of it, a stock...).
        self._holders: dict[tuple[int, datetime.date, str], dict[int, int | None]] = {}
        # A unit page's flows that read month totals, by the first month they read (prefetch_
        # flows), and what was read of them: indicator -> unit -> figure, per ids and range.
        self._flows: dict[datetime.date, list[Indicator]] = {}
        self._totals: dict[tuple[tuple[int, ...], datetime.date, datetime.date], FlowTotals] = {}

    def lineage(self, parent: Unit, end: datetime.date) -> Lineage:
        """The parent's lineage on the range's last day (members.lineage reads it once per
        unit object)."""
        return lineage(parent, month_end(end))

    def units(self, parent: Unit, level: str, end: datetime.date) -> list[UnitRow]:
        """The units at `level` whose results count under `parent` on the map of the range's
        last day, each with the row it goes to (`child_of` its place): the subtree's, an old
        unit by where it went (the parent's own id for a split one), and the old units of the
        parent's lineage outside its subtree."""
        history = self.lineage(parent, end)
        key = (parent.pk, level, history.day)
        if key not in self._units:
            self._units[key] = self._placed(parent, [level], end)  # kept: never changed
        return self._units[key]

    def _placed(self, parent: Unit, levels: Sequence[str], end: datetime.date) -> list[UnitRow]:
        """The units at `levels` that count under `parent` on the range's last day, each with
        the id of the child it goes to; an old unit by its place, with no first day and the
        day before the last as its last (never counted on the day). The same on every page
        until the map changes: kept with the lineage (13,000 communes placed on the national
        map: ~65 ms a request)."""
        history = self.lineage(parent, end)
        return history.derived(("placed", *levels), lambda: self._place(history, parent, levels))

    @staticmethod
    def _place(history: Lineage, parent: Unit, levels: Sequence[str]) -> list[UnitRow]:
        units = Unit.objects.filter(level__in=levels)
        units = units.filter(history.where()) if not history.is_empty else units.subtree(parent)
        old_day = history.day - datetime.timedelta(days=1)
        found: list[UnitRow] = []
        for pk, path, parent_id, valid_from, valid_to in units.values_list(
            "pk", "path", "parent_id", "valid_from", "valid_to"
        ):
            if not history.is_empty and history.ceased(valid_to):
                place = history.place(pk, path, parent_id)
                if place and history.inside(place):
                    found.append((pk, child_of(place, parent), None, old_day))
            elif history.inside(path):
                found.append((pk, child_of(path, parent), valid_from, valid_to))
        return found

    def held_rows(
        self, indicator: Indicator, parent: Unit, start: datetime.date, end: datetime.date
    ) -> list[ValueRow]:
        """`rows` of the units at the indicator's level in force on the range's last day,
        each with its lineage: a flow adds its old units' sums to its own; a stock or a rate
        with no value of its own in the range takes the sum of its old units' latest values.
        Old units held by no unit at the level (split ones) are left out. Read once per
        page: a rate's column and the column of its coverage ask for the same."""
        key = (indicator.pk, parent.pk, start, end)
        if key not in self._held:
            self._held[key] = self._hold(indicator, parent, start, end)
        return self._held[key]

    def _hold(
        self, indicator: Indicator, parent: Unit, start: datetime.date, end: datetime.date
    ) -> list[ValueRow]:
        rows = self.rows(indicator, parent, start, end)
        history = self.lineage(parent, end)
        if history.is_empty:
            return rows
        level = indicator.level
        adds_up = rule_for(indicator).adds_up
        holders = self._holders.setdefault((parent.pk, history.day, level), {})
        is_old = history.is_old
        own = {row[0] for row in rows if not is_old(row[0])}
        # Once per reporting unit of the subtree and its lineage (26,000 rows of a rate and
        # a stock under the nation): a unit's row is kept as it is unless an old one joins it.
        merged: dict[int, ValueRow] = {}
        for row in rows:
            unit = row[0]
            if is_old(unit):
                holder = holders.get(unit, -1)  # unit ids start at 1
                if holder == -1:
                    holder = holders[unit] = history.holder(unit, level)
                if holder is None or (holder in own and not adds_up):
                    continue
                unit = holder
            found = merged.get(unit)
            if found is None:
                merged[unit] = row if row[0] == unit else (unit, *row[1:])
            else:
                merged[unit] = (
                    unit, row[1], _add(found[2], row[2]), _add(found[3], row[3]),
                    _add(found[4], row[4]),
                )  # fmt: skip
        return list(merged.values())

    def units_above(self, parent: Unit, level: str, end: datetime.date) -> dict[int, int]:
        """The subtree's units above `level` (a province, its districts): id -> child id; an
        old unit by its place, as in `units`."""
        above = [lvl for lvl in Level.values if LEVEL_RANK[lvl] < LEVEL_RANK[level]]
        return {pk: child for pk, child, _f, _t in self._placed(parent, above, end)}

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
            rule = rule_for(indicator)
            first = rule.first_month(max(start, program_start(indicator)))
            kind = (indicator.level, bool(indicator.derived_from), rule.adds_up, first)
            groups[kind].append(indicator)
        for (_level, _derived, _flow, first), group in groups.items():
            found = self._read(group, parent, first, end)
            for indicator in group:
                key = (indicator.pk, parent.pk, max(start, program_start(indicator)), end)
                self._rows[key] = found[indicator.pk]

    def prefetch_unit(
        self, indicators: Sequence[Indicator], unit: Unit, start: datetime.date,
        end: datetime.date,
    ) -> None:  # fmt: skip
        """`prefetch` for one unit's own figures (a unit page, the entry form's year to date):
        only a unit with a lineage reads its figures from its subtree's rows
        (rules._through_table); the others read their own rows, and nothing is read ahead."""
        if not self.lineage(unit, end).is_empty:
            self.prefetch([i for i in indicators if reads_rows(i, [unit])], unit, start, end)

    def prefetch_flows(
        self, indicators: Sequence[Indicator], unit: Unit, start: datetime.date
    ) -> None:
        """Says which of a unit page's indicators are flows whose figure for `unit` reads its
        subtree's month totals (rules.SumRule.totals_of_ids), so that the first of them to read
        reads all those that start from the same month, in one query rather than one each (a
        province's home page has a dozen)."""
        for indicator in indicators:
            rule = rule_for(indicator)
            if rule.adds_up and rule.reads_totals(unit):
                first = rule.first_month(max(start, program_start(indicator)))
                group = self._flows.setdefault(first, [])
                if all(flow.pk != indicator.pk for flow in group):
                    group.append(indicator)

    def flow_totals(
        self, indicator: Indicator, ids: Sequence[int], first: datetime.date, end: datetime.date
    ) -> dict[int, Figure] | None:
        """rules.month_totals of `indicator`, read with the flows of the same first month
        (prefetch_flows); None for an indicator not said to be one of them."""
        if all(flow.pk != indicator.pk for flow in self._flows.get(first, [])):
            return None
        key = (tuple(ids), first, end)
        if key not in self._totals:
            self._totals[key] = month_totals(self._flows[first], ids, first, end)
        return self._totals[key][indicator.pk]

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
        children = {pk: child for pk, child, _f, _t in self.units(parent, sample.level, end)}
        if sample.derived_from:  # activities units above the level ran themselves
            children |= self.units_above(parent, sample.level, end)
        rows = Result.objects.filter(indicator__in=[i.pk for i in indicators], month__lte=end)
        if parent.parent_id is not None:
            rows = rows.filter(any_of(Result, "unit_id", list(children)))
        found: list[tuple[int, int, Decimal | None, Decimal | None, Decimal | None]]
        rule = rule_for(sample)
        if rule.adds_up:  # the kind of read: a flow's sum of months, else the latest month
            first = rule.first_month(start)
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


_SHARED: ContextVar[Reads | None] = ContextVar("shared_reads", default=None)


@contextmanager
def shared_reads() -> Iterator[Reads]:
    """One Reads for every figure computed inside (a page's, which writes nothing meanwhile),
    so that the one-unit figures of the engine read the subtree's units and rows once rather
    than once per indicator; a nested use shares the outer one."""
    outer = _SHARED.get()
    if outer is not None:
        yield outer
        return
    token = _SHARED.set(Reads())
    try:
        yield _SHARED.get() or Reads()
    finally:
        _SHARED.reset(token)


def current_shared() -> Reads | None:
    """The Reads of the enclosing `shared_reads`, if any."""
    return _SHARED.get()


def current_reads() -> Reads:
    """The Reads of the enclosing `shared_reads`, or a new one."""
    return _SHARED.get() or Reads()


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return b if a is None else a if b is None else a + b


def reads_rows(indicator: Indicator, children: Sequence[Unit]) -> bool:
    """Whether the children's figures come from the subtree's rows (Reads.rows), not from
    month totals (flows of children above the level) or coverage totals."""
    return rule_for(indicator).reads_rows(children)


def _measures(
    indicator: Indicator, parent: Unit, children: Sequence[Unit], start: datetime.date,
    end: datetime.date, reads: Reads,
) -> dict[int, Figure]:  # fmt: skip
    if end < program_start(indicator):
        return {}
    start = max(start, program_start(indicator))
    rule = rule_for(indicator)
    found = rule.measures(parent, children, start, end, reads)
    if not reads.lineage(parent, end).is_empty:
        # A child that ended before the range's last day is in no row of that day's map: asked
        # for (a report of an old district's year), it counts alone on its own last day.
        day = month_end(end)
        for child in children:
            if not child.is_valid_on(day):
                found[child.pk] = rule.measure(child, start, end)
    return found


TargetKey = tuple[int, int]  # (indicator id, unit id)


def targets_of_many(
    indicators: Sequence[Indicator],
    units: Sequence[Unit],
    end: datetime.date,
    *,
    children: Sequence[Unit] | None = None,
) -> dict[TargetKey, tuple[Decimal, datetime.date]]:
    """engine.target_of for many indicators and units in two queries: each unit's own target
    (the nearest period end on or after the range's; a flow's only in the range's year), else,
    for additive rules, the sum of its children's (valid at the range's end). `children`: the
    units' children when already read (any day's: those valid at the end are kept here)."""
    if len(units) == 1 and children is not None:  # one unit, its children read: one query
        one = _unit_targets(indicators, units[0], end, children)
        return {(ind, units[0].pk): found for ind, found in one.items()}
    day = month_end(end)
    rules = {i.pk: rule_for(i) for i in indicators}
    candidates = Target.objects.filter(indicator__in=list(rules), period_end__gte=day)

    def usable(indicator_id: int, period_end: datetime.date) -> bool:
        return _usable(rules[indicator_id], period_end, end)

    found: dict[TargetKey, tuple[Decimal, datetime.date]] = {}
    own = candidates.filter(unit__in=[u.pk for u in units]).order_by("-period_end")
    for ind, unit, value, period_end in own.values_list("indicator", "unit", "value", "period_end"):
        if usable(ind, period_end):
            found[(ind, unit)] = (value, period_end)  # the nearest period end comes last
    additive = [i for i, rule in rules.items() if rule.sums_targets]
    if not additive:
        return found
    # The children by id first: with a join on the parent, PostgreSQL reads every target of
    # the indicators in the country and walks the whole unit table by its primary key (the
    # ids as one array: the nation's 3,300 communes).
    if children is None:
        found_children = Unit.objects.filter(parent__in=[u.pk for u in units]).valid_on(day)
        child_ids = list(found_children.values_list("pk", flat=True))
    else:
        child_ids = [c.pk for c in children if c.is_valid_on(day)]
    summed = (
        candidates.filter(
            any_of(Target, "unit_id", child_ids),
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


def _usable(rule: AggregationRule, period_end: datetime.date, end: datetime.date) -> bool:
    """Whether a target of `period_end` applies to a range ending in month `end` (a flow's
    only in the range's year)."""
    return not rule.yearly_targets or period_end.year == end.year


def _unit_targets(
    indicators: Sequence[Indicator], unit: Unit, end: datetime.date, children: Sequence[Unit]
) -> dict[int, tuple[Decimal, datetime.date]]:
    """targets_of_many for one unit whose children are read (any day's; those valid at the
    range's end count), by indicator id, in one query: the unit's own targets and its
    children's, added here (a commune's few branches: the entry form's targets), where the
    general case asks PostgreSQL for the sums in a second query."""
    day = month_end(end)
    rules = {i.pk: rule_for(i) for i in indicators}
    ids = [unit.pk, *(c.pk for c in children if c.is_valid_on(day))]
    rows = (
        Target.objects.filter(any_of(Target, "unit_id", ids), indicator__in=list(rules))
        .filter(period_end__gte=day)
        .values_list("indicator", "unit", "value", "period_end")
        .order_by()
    )
    own: dict[int, tuple[Decimal, datetime.date]] = {}
    totals: dict[tuple[int, datetime.date], Decimal] = {}
    for ind, owner, value, period_end in rows:
        rule = rules[ind]
        if not _usable(rule, period_end, end):
            continue
        if owner == unit.pk:
            if ind not in own or period_end < own[ind][1]:  # the nearest period end
                own[ind] = (value, period_end)
        elif rule.sums_targets:
            totals[(ind, period_end)] = totals.get((ind, period_end), Decimal(0)) + value
    sums: dict[int, tuple[Decimal, datetime.date]] = {}
    for (ind, period_end), total in totals.items():
        if ind not in sums or period_end < sums[ind][1]:
            sums[ind] = (total, period_end)
    return {**sums, **own}


def targets_for(
    indicator: Indicator, units: Sequence[Unit], end: datetime.date
) -> dict[int, tuple[Decimal, datetime.date]]:
    """engine.target_of for many units of one indicator."""
    found = targets_of_many([indicator], units, end)
    return {unit: target for (_i, unit), target in found.items()}


def _table(
    indicator: Indicator, parent: Unit, children: Sequence[Unit], start: datetime.date,
    end: datetime.date, targets: dict[int, tuple[Decimal, datetime.date]] | None,
    reads: Reads,
) -> tuple[dict[int, Figure], Figure, dict[int, Figure]]:  # fmt: skip
    """figures_with_total with the rule's measures, whose key `parent.pk` is the parent's
    own row (figures_with_rest): measured once for both."""
    start, end = month_start(start), month_start(end)
    measured = _measures(indicator, parent, children, start, end, reads)
    if targets is None:
        targets = targets_for(indicator, [*children, parent], end)
    rule = rule_for(indicator)

    def judged(unit: Unit, key: int) -> Figure:
        target, period_end = targets.get(unit.pk, (None, None))
        found = measured.get(key, Figure(value=None))
        return rule.judge(found, target, period_end, end, start)

    children_figures = {child.pk: judged(child, child.pk) for child in children}
    return children_figures, judged(parent, ALL), measured


def figures_with_total(
    indicator: Indicator, parent: Unit, children: Sequence[Unit], start: datetime.date,
    end: datetime.date, targets: dict[int, tuple[Decimal, datetime.date]] | None = None,
    reads: Reads | None = None,
) -> tuple[dict[int, Figure], Figure]:  # fmt: skip
    """Each child's figure of `indicator` over the range, judged against its target, and the
    parent's own figure computed from the same rows. `targets` (unit id -> target), when
    given, saves the two target queries (see targets_of_many); `reads`, shared by the columns
    of a page, reads each unit list and each indicator's rows once. Each figure is judged
    against the target for the view (AggregationRule.judge: a sub-period against its pace)."""
    found = _table(indicator, parent, children, start, end, targets, reads or Reads())
    return found[0], found[1]


def figures_with_rest(
    indicator: Indicator, parent: Unit, children: Sequence[Unit], start: datetime.date,
    end: datetime.date, targets: dict[int, tuple[Decimal, datetime.date]] | None = None,
    reads: Reads | None = None,
) -> tuple[dict[int, Figure], Figure | None, Figure]:  # fmt: skip
    """figures_with_total with the row "không phân bổ được" between the children and the
    total: what belongs to the parent itself on the range's last day (old units split among
    several children), None when the parent has no lineage then (the old map) or nothing of
    its own. With it the rows of a flow add up to the total."""
    reads = reads or Reads()
    children_figures, total, measured = _table(
        indicator, parent, children, start, end, targets, reads
    )
    end = month_start(end)
    if reads.lineage(parent, end).is_empty or end < program_start(indicator):
        return children_figures, None, total
    rest = measured.get(parent.pk)
    return children_figures, rest if rest is not None and rest.value is not None else None, total


def figures_of(
    indicator: Indicator, parent: Unit, children: Sequence[Unit], start: datetime.date,
    end: datetime.date,
) -> dict[int, Figure]:  # fmt: skip
    """Each child's figure of `indicator` over the range, judged against its target."""
    return figures_with_total(indicator, parent, children, start, end)[0]
