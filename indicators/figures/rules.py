"""The aggregation rules as objects: one class per value of indicators.models.Rule, and the
registry `RULES` that maps the value to its class (`rule_for(indicator)` gives the bound rule).

A rule knows everything that differs from one rule to another (PRODUCT.md, "indicator rules"):

- its figure for one unit over a month range (`measure`, what indicators.figures.engine answers) and
  each reporting unit's own value (`values_by_unit`, what a coverage of it counts);
- its figures for a table of children and their parent (`measures`, what indicators.figures.table
  answers), from the same bulk reads (indicators.figures.table.Reads) in a few queries per
  indicator;
- its target: which one applies (`target_of`) and how a figure is judged against it (`judge`);
- its entry checks (`check_shape`, `check_fraction`, called by indicators.cycle.entry);
- the facts other modules ask about: `adds_up` (a flow), `from_program_start`,
  `stores_fraction` (entered as numerator and denominator), `is_percent`, `entered`,
  `has_source`, `sums_targets`, `yearly_targets`.

So the rest of the portal asks the rule object and never compares `indicator.rule` itself;
database filters on the stored value (`rule=Rule.COVERAGE`) are queries, not dispatch.

The rules sit below the engine, the tables and the coverage totals: they import
indicators.figures.base and the models, and the engine, the tables and indicators.figures.coverage
import
them. indicators.figures.table is imported only for the types of its shared reads.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Protocol

from django.db.models import (
    CharField,
    Count,
    F,
    Func,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.utils.translation import gettext as _

from common.numbers import format_number
from common.periods import month_end, month_start, months_between
from indicators.figures.base import (
    HUNDRED,
    LEVEL_RANK,
    Basis,
    Figure,
    Status,
    any_of,
    program_start,
)
from indicators.models import CoverageTotal, Indicator, MonthTotal, Result, Rule, Target
from members.lineage import Lineage, child_on, parent_path
from members.lineage import lineage as lineage_of
from members.models import PATH_SEP, Unit

if TYPE_CHECKING:
    from indicators.figures.table import Reads, ValueRow

# The key of the parent's own figure among its children's in a table (unit ids start at 1).
ALL = 0

Problems = list[tuple[str, str]]  # (field, message) of an entry that breaks the rule
# A child's target: period end, value, and the child's first and last days.
ChildTarget = tuple[datetime.date, Decimal, datetime.date | None, datetime.date | None]


class Entered(Protocol):
    """What an entry check reads of an entered cell (indicators.cycle.entry.Entry)."""

    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None


# Reading results: the indicator's rows of a unit's subtree over a range.


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


def _through_table(
    rule: AggregationRule, unit: Unit, start: datetime.date, end: datetime.date
) -> Figure | None:
    """The unit's figure from the table computation (`measures` with no children) when old
    units count in it on the range's last day (members.lineage), else None: the one-unit
    reads below know nothing of lineage and stay the fast path for every other range."""
    from indicators.figures.table import current_reads

    reads = current_reads()
    if reads.lineage(unit, end).is_empty:
        return None
    return rule.measures(unit, [], start, end, reads).get(ALL, Figure(value=None))


def _total(qs: QuerySet[Result]) -> Figure:
    row = qs.aggregate(total=Sum("value"), units=Count("unit", distinct=True))
    return Figure(value=row["total"] if row["units"] else None, units_reporting=row["units"])


def month_totals(
    indicators: Sequence[Indicator], ids: Sequence[int], first: datetime.date, end: datetime.date
) -> dict[int, dict[int, Figure]]:
    """Each indicator's sum of each unit's subtree's month totals from `first` to `end`
    (indicator id -> unit id -> figure, with the most units that reported in one month), in
    one grouped query; a unit without a month of totals is absent."""
    rows = (
        MonthTotal.objects.filter(
            any_of(MonthTotal, "unit_id", list(ids)),
            indicator__in=[i.pk for i in indicators],
            month__gte=first,
            month__lte=end,
            units__gt=0,
        )
        .values("indicator", "unit")
        .annotate(total=Sum("value"), most=Max("units"))
    )
    found: dict[int, dict[int, Figure]] = {i.pk: {} for i in indicators}
    for row in rows:
        found[row["indicator"]][row["unit"]] = Figure(
            value=row["total"], units_reporting=row["most"]
        )
    return found


class AggregationRule:
    """How an indicator adds up over units and months; bound to one indicator.

    The defaults are those of a rule whose figure is the sum of the reporting units' values
    (a stock; the flows add their months too); a subclass overrides what differs."""

    value: ClassVar[str]
    # A flow: months and units add up, so month totals are kept and a derived count fits it.
    adds_up: ClassVar[bool] = False
    # Measured from the program's first month whatever the range's start (cumulative).
    from_program_start: ClassVar[bool] = False
    # Entered as a numerator and a denominator, its figure their ratio in percent (rate).
    stores_fraction: ClassVar[bool] = False
    # The figure (and so its target) is a percentage, 0 to 100.
    is_percent: ClassVar[bool] = False
    # Typed by the units at its level (coverage is computed from its source).
    entered: ClassVar[bool] = True
    # Computed from a source indicator against a threshold (coverage).
    has_source: ClassVar[bool] = False
    # A unit without a target of its own is measured against the sum of its children's.
    sums_targets: ClassVar[bool] = False
    # Only a target of the range's own year applies (a yearly flow).
    yearly_targets: ClassVar[bool] = False

    def __init__(self, indicator: Indicator) -> None:
        self.indicator = indicator

    def first_month(self, start: datetime.date) -> datetime.date:
        """The first month a figure over a range starting at `start` reads."""
        return program_start(self.indicator) if self.from_program_start else start

    # One unit (indicators.figures.engine).

    def reads_totals(self, unit: Unit) -> bool:
        """Whether `unit`'s figure comes from the month totals of its subtree."""
        return False

    def measure(self, unit: Unit, start: datetime.date, end: datetime.date) -> Figure:
        """The unit's figure over the range, without its target."""
        through = _through_table(self, unit, start, end)
        if through is not None:
            return through
        return _total(_latest_in_range(_results(self.indicator, unit), start, end))

    def values_by_unit(
        self, unit: Unit, start: datetime.date, end: datetime.date
    ) -> dict[int, Decimal]:
        """Each reporting unit's own value over the range."""
        latest = _latest_in_range(_results(self.indicator, unit), start, end)
        return {u: v for u, v in latest.values_list("unit", "value") if v is not None}

    # A table of children (indicators.figures.table): the same numbers as `measure` for each child.

    def reads_rows(self, children: Sequence[Unit]) -> bool:
        """Whether the children's figures come from the subtree's rows (Reads.rows)."""
        return True

    def measures(
        self, parent: Unit, children: Sequence[Unit], start: datetime.date,
        end: datetime.date, reads: Reads,
    ) -> dict[int, Figure]:  # fmt: skip
        """Each child's figure from the subtree's rows, and the parent's (ALL) from the same
        rows (`start` is on or after the program's first month)."""
        sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
        counts: dict[int, int] = defaultdict(int)
        # A flow adds every old unit where it went (a split one in the parent's own row); a
        # stock or a rate counts the units in force on the last day, each with its lineage.
        read = reads.rows if self.adds_up else reads.held_rows
        for _unit, child, value, num, den in read(self.indicator, parent, start, end):
            for key in (child, ALL):
                for i, amount in enumerate((value, num, den)):
                    sums[key][i] += amount or 0
                counts[key] += 1
        return {key: self._of_sums(sums[key], counts[key]) for key in sums}

    def _of_sums(self, sums: list[Decimal], count: int) -> Figure:
        """A figure from the sums of (value, numerator, denominator) of `count` units."""
        return Figure(sums[0], count)

    def values_of_rows(self, rows: list[ValueRow]) -> dict[int, Decimal]:
        """`values_by_unit` from the rows of Reads.rows."""
        return {u: v for u, _p, v, _n, _d in rows if v is not None}

    # Targets.

    def target_of(
        self, unit: Unit, end: datetime.date
    ) -> tuple[Decimal | None, datetime.date | None]:
        """The target that applies to a range ending in month `end`: the unit's own target with
        the nearest period end on or after it (for a yearly flow, only that year's), else the
        sum of its children's targets for the rules that sum them, else none."""
        return self.targets_along(unit, [end])[0]

    def targets_along(
        self, unit: Unit, ends: Sequence[datetime.date]
    ) -> list[tuple[Decimal | None, datetime.date | None]]:
        """`target_of` at each of `ends` (a chart's points), from two queries whatever their
        number: the unit's targets and its children's that end on or after the first."""
        if not ends:
            return []
        targets = Target.objects.filter(
            indicator=self.indicator, period_end__gte=month_end(min(ends))
        )
        own = sorted(targets.filter(unit=unit).values_list("period_end", "value"))
        children: list[ChildTarget] = []
        if self.sums_targets:
            children = list(
                targets.filter(unit__parent=unit).values_list(
                    "period_end", "value", "unit__valid_from", "unit__valid_to"
                )
            )
        return [self._target_at(own, children, end) for end in ends]

    def _target_at(
        self,
        own: list[tuple[datetime.date, Decimal]],
        children: list[ChildTarget],
        end: datetime.date,
    ) -> tuple[Decimal | None, datetime.date | None]:
        """`target_of` from the unit's targets (by period end) and its children's."""
        day = month_end(end)

        def applies(period_end: datetime.date) -> bool:
            return period_end >= day and (not self.yearly_targets or period_end.year == end.year)

        for period_end, value in own:  # the nearest period end first
            if applies(period_end):
                return value, period_end
        if not self.sums_targets:
            return None, None
        # Children of the map in force at the range's end: after the 2025 reform a province's
        # children are its new communes, not also the old districts.
        valid = [
            (period_end, value)
            for period_end, value, valid_from, valid_to in children
            if applies(period_end) and _valid(valid_from, valid_to, day)
        ]
        if not valid:
            return None, None
        first = min(period_end for period_end, _value in valid)
        return sum((value for period_end, value in valid if period_end == first), Decimal(0)), first

    def expected_by(
        self,
        target: Decimal,
        period_end: datetime.date,
        end: datetime.date,
        start: datetime.date | None = None,
    ) -> Decimal | None:
        """What the target asks for by month `end` if met evenly: only a flow has a pace."""
        return None

    def basis(
        self, period_end: datetime.date, end: datetime.date, start: datetime.date | None
    ) -> str:
        """What a view from `start` to `end` is measured against. A level (stock, rate,
        coverage) has no pace: without a baseline, a straight line from zero to the target
        would call a province with 48,000 of 50,000 members "behind" in its first month. Its
        target is the level to reach by the target's end; a view that ends before is
        measured against that level and says so."""
        return Basis.LEVEL if month_end(end) < period_end else Basis.TARGET

    def judge(
        self,
        figure: Figure,
        target: Decimal | None,
        period_end: datetime.date | None,
        end: datetime.date,
        start: datetime.date | None = None,
    ) -> Figure:
        """The figure of the view `start`..`end` against its target: achievement, pace and
        status; the one place that decides what a view is compared with, for every figure
        shown (the single figure, the dashboard, the report, `indicator_value`). The pace
        counts the view's own months (`expected_by`). Achievement divides by the view's goal:
        the whole target for a view of the target's whole period (or of it so far), its pace
        for a sub-period (a month, a quarter, a year of a phase: `basis`), so a month is never
        measured against a whole phase; `basis` says which, for the label. The status: achieved
        at the whole target, on track at the pace, behind below."""
        if target is None or period_end is None:
            status = Status.NO_DATA if figure.value is None else Status.NO_TARGET
            return replace(figure, status=status)
        expected = self.expected_by(target, period_end, end, start)
        basis = self.basis(period_end, end, start)
        goal = expected if basis == Basis.PACE and expected is not None else target
        achievement = HUNDRED * figure.value / goal if figure.value is not None and goal else None
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
            goal=goal,
            basis=basis,
        )

    # Entry checks (indicators.cycle.entry), as (field, message).

    def check_shape(self, entry: Entered) -> Problems:
        """Which fields the rule takes: one value."""
        if (entry.numerator or entry.denominator) is not None:
            return [("value", _("chỉ tiêu này chỉ có một giá trị"))]
        return []

    def check_fraction(self, entry: Entered) -> Problems:
        """A numerator and a denominator entered make a fraction of at most 1 (only a rate takes
        them; check_shape refuses them for the other rules)."""
        num, den = entry.numerator, entry.denominator
        if num is None and den is None:
            return []
        if num is None:
            return [("numerator", _("thiếu tử số"))]
        if den is None:
            return [("denominator", _("thiếu mẫu số"))]
        if den == 0:
            return [("denominator", _("mẫu số phải lớn hơn 0"))]
        if num > den:
            message = _("tử số (%(num)s) lớn hơn mẫu số (%(den)s)") % {
                "num": format_number(num),
                "den": format_number(den),
            }
            return [("numerator", message)]
        return []

    # Coverage totals (indicators.figures.coverage).

    @property
    def rolls_up(self) -> bool:
        """Whether the indicator's shares come from coverage totals."""
        return False


class SumRule(AggregationRule):
    """A flow over the range: the sum over units and months (a yearly target)."""

    value = Rule.SUM
    adds_up = True
    sums_targets = True
    yearly_targets = True

    def reads_totals(self, unit: Unit) -> bool:
        """A unit above the collection level reads its subtree's month totals: one row per
        month whatever the size of the subtree."""
        return LEVEL_RANK[unit.level] < LEVEL_RANK[self.indicator.level]

    def totals_of(
        self, units: Sequence[Unit], start: datetime.date, end: datetime.date
    ) -> dict[int, Figure]:
        """Each unit's sum of its subtree's month totals over the range (one grouped query)."""
        return self.totals_of_ids([u.pk for u in units], start, end)

    def measure(self, unit: Unit, start: datetime.date, end: datetime.date) -> Figure:
        if self.reads_totals(unit):
            history = lineage_of(unit, month_end(end))
            if not history.is_empty:
                found = self._lineage_totals(unit, [], start, end, history)
                return found.get(ALL, Figure(value=None))
            return self.totals_of([unit], start, end).get(unit.pk, Figure(value=None))
        through = _through_table(self, unit, start, end)
        if through is not None:
            return through
        return _total(_in_range(_results(self.indicator, unit), self.first_month(start), end))

    def values_by_unit(
        self, unit: Unit, start: datetime.date, end: datetime.date
    ) -> dict[int, Decimal]:
        rows = _in_range(_results(self.indicator, unit), self.first_month(start), end)
        grouped = rows.values("unit").annotate(total=Sum("value"))
        return {row["unit"]: row["total"] for row in grouped}

    def reads_rows(self, children: Sequence[Unit]) -> bool:
        """Children above the collection level read month totals instead."""
        return not (children and all(self.reads_totals(c) for c in children))

    def measures(
        self, parent: Unit, children: Sequence[Unit], start: datetime.date,
        end: datetime.date, reads: Reads,
    ) -> dict[int, Figure]:  # fmt: skip
        if self.reads_rows(children):
            return super().measures(parent, children, start, end, reads)
        history = reads.lineage(parent, end)
        if not history.is_empty:
            return self._lineage_totals(parent, children, start, end, history)
        found = self.totals_of([*children, parent], start, end)
        if parent.pk in found:
            found[ALL] = found.pop(parent.pk)
        return found

    def _lineage_totals(
        self, parent: Unit, children: Sequence[Unit], start: datetime.date,
        end: datetime.date, history: Lineage,
    ) -> dict[int, Figure]:  # fmt: skip
        """Each child's flow with its lineage, the parent's own row (`parent.pk`: what split
        old units recorded) and the total (ALL, the sum of the rows), from month totals.

        Every unit's results go to one row: the child on the path of the unit (an old unit:
        of its place). A unit's totals hold its whole old subtree, so each row is its own
        totals, plus the totals of every old unit whose row differs from its old parent's
        (it moved in), minus those of the old units that moved out of it; the parent's own
        row is its totals minus its children's. One query on the month totals and one on the
        results of the old units at the indicator's level, whatever the number of children."""
        level = LEVEL_RANK[self.indicator.level]
        valid = [c for c in children if c.is_valid_on(history.day)]

        row_keys = {c.pk for c in valid}

        def row_of(path: str) -> int | None:
            if not path or not path.startswith(parent.path):
                return None
            child = child_on(path, parent)
            return child if child in row_keys else parent.pk

        # The moves depend on the rows and the level only: the columns of a page share them.
        memo_key = (parent.pk, self.indicator.level, tuple(sorted(row_keys)))
        if memo_key not in history.moves:
            found_moves: list[tuple[int, int | None, int | None]] = []  # old unit, into, out of
            for old in history.old.values():
                if LEVEL_RANK[old.level] > level:
                    continue  # below the level: no result of its own
                into = row_of(history.home[old.pk])
                if old.parent_id in history.old:
                    out = row_of(history.home[old.parent_id])
                else:
                    out = row_of(parent_path(old.path))
                if into != out:
                    found_moves.append((old.pk, into, out))
            history.moves[memo_key] = found_moves
        moves = history.moves[memo_key]
        levels = {pk: history.old[pk].level for pk, _i, _o in moves}
        above = [c.pk for c in valid] + [parent.pk]
        above += [pk for pk, _i, _o in moves if LEVEL_RANK[levels[pk]] < level]
        amounts = {pk: (f.value or Decimal(0), f.units_reporting) for pk, f in
                   self.totals_of_ids(above, start, end).items()}  # fmt: skip
        at_level = [pk for pk, _i, _o in moves if LEVEL_RANK[levels[pk]] == level]
        if at_level:
            rows = _in_range(
                Result.objects.filter(indicator=self.indicator, unit__in=at_level),
                self.first_month(start), end,
            ).values("unit").annotate(total=Sum("value"))  # fmt: skip
            amounts |= {row["unit"]: (row["total"] or Decimal(0), 1) for row in rows}
        values: dict[int, Decimal] = defaultdict(Decimal)
        most: dict[int, int] = defaultdict(int)
        seen: set[int] = set()

        def move(key: int | None, pk: int, sign: int) -> None:
            if key is None or pk not in amounts:
                return
            value, units = amounts[pk]
            values[key] += sign * value
            if sign > 0:
                seen.add(key)
                most[key] += units

        move(parent.pk, parent.pk, 1)
        seen.discard(parent.pk)  # the parent's own row shows only what moved in to stay there
        for child in valid:
            move(child.pk, child.pk, 1)
            move(parent.pk, child.pk, -1)
        for pk, into, out in moves:
            move(into, pk, 1)
            move(out, pk, -1)
        found = {
            key: Figure(value=values[key], units_reporting=most[key])
            for key in row_keys | {parent.pk}
            if key in seen or values[key]
        }
        if found:
            total = sum((f.value or Decimal(0) for f in found.values()), Decimal(0))
            reporting = amounts.get(parent.pk, (0, 0))[1]
            found[ALL] = Figure(value=total, units_reporting=max(reporting, 1))
        return found

    def totals_of_ids(
        self, ids: Sequence[int], start: datetime.date, end: datetime.date
    ) -> dict[int, Figure]:
        """`totals_of` by unit ids: read with the other flows of a unit page (one query for
        all of them, table.Reads.flow_totals) when the page said which they are."""
        from indicators.figures.table import current_shared

        first = self.first_month(start)
        reads = current_shared()
        found = reads.flow_totals(self.indicator, ids, first, end) if reads else None
        if found is not None:
            return found
        return month_totals([self.indicator], ids, first, end)[self.indicator.pk]

    def pace_start(self, period_end: datetime.date) -> datetime.date:
        """The month a target is paced from: its year's first."""
        return datetime.date(period_end.year, 1, 1)

    def expected_by(
        self,
        target: Decimal,
        period_end: datetime.date,
        end: datetime.date,
        start: datetime.date | None = None,
    ) -> Decimal | None:
        """The share of the target due over the view's months, met evenly over the target's:
        target x (months the view's figure counts, within the target's period) / (months of
        the period). A sum counts the view's own months (a month of a yearly target of 1,200
        asks for 100), a cumulative counts from the program's first month (its figure runs
        from there), so both compare like with like."""
        first = self.pace_start(period_end)
        # In Decimal, not float: 1200 x 5/12 must be exactly 500, or a unit on pace is "behind".
        months = months_between(first, period_end)
        if not months:
            return None
        counted_from = max(first, self.first_month(start)) if start is not None else first
        counted = months_between(counted_from, min(month_start(end), month_start(period_end)))
        return target * max(0, min(counted, months)) / months

    def basis(
        self, period_end: datetime.date, end: datetime.date, start: datetime.date | None
    ) -> str:
        """A view that starts with the target's period (the year for a yearly target, the
        program's first month for a phase target) is that period, or the part of it so far:
        measured against the whole target, its status saying whether it is on pace. A view
        that starts later (a month, a quarter, a year of a phase) is measured against its
        pace: "35 of 800, 4%" for a month of a phase target read as behind when it was not."""
        if start is not None and month_start(start) > self.pace_start(period_end):
            return Basis.PACE
        return Basis.TARGET


class CumulativeRule(SumRule):
    """A flow from the program's first month to the range's last (any later target)."""

    value = Rule.CUMULATIVE
    from_program_start = True
    yearly_targets = False

    def pace_start(self, period_end: datetime.date) -> datetime.date:
        return program_start(self.indicator)


class StockRule(AggregationRule):
    """The sum over units of each unit's latest value in the range (the base's behaviour)."""

    value = Rule.STOCK
    sums_targets = True


class RateRule(AggregationRule):
    """100 x the sum of numerators / the sum of denominators, each unit's latest month."""

    value = Rule.RATE
    stores_fraction = True
    is_percent = True

    def measure(self, unit: Unit, start: datetime.date, end: datetime.date) -> Figure:
        through = _through_table(self, unit, start, end)
        if through is not None:
            return through
        rows = _latest_in_range(_results(self.indicator, unit), start, end)
        row = rows.aggregate(
            num=Sum("numerator"), den=Sum("denominator"), units=Count("unit", distinct=True)
        )
        num, den = row["num"], row["den"]
        value = HUNDRED * num / den if row["units"] and den else None
        return Figure(value=value, units_reporting=row["units"], numerator=num, denominator=den)

    def values_by_unit(
        self, unit: Unit, start: datetime.date, end: datetime.date
    ) -> dict[int, Decimal]:
        latest = _latest_in_range(_results(self.indicator, unit), start, end)
        rows = latest.values_list("unit", "numerator", "denominator")
        return {u: HUNDRED * n / d for u, n, d in rows if n is not None and d}

    def _of_sums(self, sums: list[Decimal], count: int) -> Figure:
        _value, num, den = sums
        rate = HUNDRED * num / den if den else None
        return Figure(rate, count, numerator=num, denominator=den)

    def values_of_rows(self, rows: list[ValueRow]) -> dict[int, Decimal]:
        return {u: HUNDRED * n / d for u, _p, _v, n, d in rows if n is not None and d}

    def check_shape(self, entry: Entered) -> Problems:
        """A numerator and a denominator, never a value."""
        if entry.value is not None:
            return [("value", _("chỉ tiêu tỷ lệ: nhập tử số và mẫu số"))]
        return []


def coverage_figure(counted: int, meeting: int, reporting: int) -> Figure:
    """A coverage share: `meeting` of the `counted` units, None while none of them reported."""
    return Figure(
        value=HUNDRED * meeting / counted if reporting and counted else None,
        units_reporting=reporting,
        numerator=Decimal(meeting),
        denominator=Decimal(counted),
        units_counted=counted,
    )


def _valid(
    valid_from: datetime.date | None, valid_to: datetime.date | None, day: datetime.date
) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or valid_to >= day)


def _last_day(unit: Unit, day: datetime.date) -> datetime.date:
    """The map a unit's coverage counts on: the range's last day, or the unit's own last day
    if it ended before (a year that spans the 2025 reform counts the new communes, not the old
    and the new together)."""
    return min(day, unit.valid_to) if unit.valid_to is not None else day


class CoverageRule(AggregationRule):
    """The share of units at the indicator's level under a unit whose value of `source` over
    the same range (by the source's own rule) reaches `threshold`; a unit without a value does
    not. Never entered. Over a flow of the same level, the shares of whole months, years to date
    and the phase are read from the coverage totals (indicators.figures.coverage), which the live
    computation here must always equal."""

    value = Rule.COVERAGE
    is_percent = True
    entered = False
    has_source = True

    @property
    def source(self) -> Indicator:
        assert self.indicator.source is not None and self.indicator.threshold is not None
        return self.indicator.source

    @property
    def threshold(self) -> Decimal:
        assert self.indicator.threshold is not None
        return self.indicator.threshold

    def measure(self, unit: Unit, start: datetime.date, end: datetime.date) -> Figure:
        through = _through_table(self, unit, start, end)
        if through is not None:
            return through
        rolled = self.shares(unit, [], start, end, month_end(end))
        if rolled is not None:
            return coverage_figure(*rolled[unit.pk])
        # The units counted are those of the map in force on the range's last day.
        day = _last_day(unit, month_end(end))
        counted = set(
            Unit.objects.subtree(unit)
            .filter(level=self.indicator.level)
            .valid_on(day)
            .values_list("pk", flat=True)
        )
        values = rule_for(self.source).values_by_unit(unit, start, end)
        meeting = sum(1 for pk in counted if values.get(pk, -1) >= self.threshold)
        reporting = sum(1 for pk in counted if pk in values)
        return coverage_figure(len(counted), meeting, reporting)

    def values_by_unit(
        self, unit: Unit, start: datetime.date, end: datetime.date
    ) -> dict[int, Decimal]:
        raise ValueError(f"no per-unit values for rule {self.value!r}")

    def reads_rows(self, children: Sequence[Unit]) -> bool:
        return False  # the source's rows, or coverage totals

    def measures(
        self, parent: Unit, children: Sequence[Unit], start: datetime.date,
        end: datetime.date, reads: Reads,
    ) -> dict[int, Figure]:  # fmt: skip
        source, threshold = self.source, self.threshold
        day = month_end(end)
        # Old units count in their successors' figures: the coverage totals keep each unit's
        # own events only, so the live computation answers when an old unit at the level is
        # held by a unit at the level (merged communes, for a coverage of communes). When none
        # is (branches: an old branch belongs to a commune), the units counted are those in
        # force on the day with their own values alone, which the totals answer.
        lineage = reads.lineage(parent, end)
        held = not lineage.is_empty and lineage.holds(self.indicator.level)
        rolled = None if held else self.shares(parent, children, start, end, day)
        if rolled is not None:
            if parent.pk in rolled:
                rolled[ALL] = rolled.pop(parent.pk)
            return {key: coverage_figure(*counts) for key, counts in rolled.items()}
        values = rule_for(source).values_of_rows(reads.held_rows(source, parent, start, end))
        days = tuple(sorted((child.pk, _last_day(child, day)) for child in children))
        counted, rows_of = lineage.derived(
            ("coverage rows", self.indicator.level, day, days),
            lambda: self._rows_counted(parent, end, reads, dict(days), day),
        )
        tally = {key: [count, 0, 0] for key, count in counted.items()}  # counted, met, reporting
        for pk, value in values.items():  # the units with a value: the rows they count in
            for key in rows_of.get(pk, ()):
                row = tally[key]
                row[1] += value >= threshold
                row[2] += 1
        return {key: coverage_figure(*counts) for key, counts in tally.items()}

    def _rows_counted(
        self, parent: Unit, end: datetime.date, reads: Reads, days: dict[int, datetime.date],
        day: datetime.date,
    ) -> tuple[dict[int, int], dict[int, tuple[int, ...]]]:  # fmt: skip
        """The units counted per row (a child, ALL for the parent) on each row's map (`days`:
        each child's last day), and the rows each unit counts in: the map's part of
        `measures`, the same on every page until the map changes (kept with the lineage:
        a walk over the country's 13,000 communes for each coverage column of a page)."""
        parent_day = _last_day(parent, day)
        counted: dict[int, int] = defaultdict(int)
        rows_of: dict[int, tuple[int, ...]] = {}
        for pk, child, valid_from, valid_to in reads.units(parent, self.indicator.level, end):
            if valid_from is None and valid_to is None:  # most units: valid whatever the day
                keys: tuple[int, ...] = (ALL,) if child == parent.pk else (child, ALL)
            else:
                keys = tuple(
                    key
                    for key, last in ((child, days.get(child, day)), (ALL, parent_day))
                    if (key == ALL or child != parent.pk) and _valid(valid_from, valid_to, last)
                )
            if keys:
                rows_of[pk] = keys
            for key in keys:
                counted[key] += 1
        return dict(counted), rows_of

    # The coverage totals' side: which indicators they keep and how a range reads them.

    @property
    def rolls_up(self) -> bool:
        """Over a flow of the same level: each unit's value over a range is a running sum."""
        source = self.indicator.source
        return (
            source is not None and rule_for(source).adds_up and source.level == self.indicator.level
        )

    def _scope(self, start: datetime.date, end: datetime.date) -> tuple[str, datetime.date] | None:
        """The scope and first month of the totals' rows that answer the range, if any does."""
        first = program_start(self.indicator)
        if rule_for(self.source).from_program_start or start <= first:
            return CoverageTotal.Scope.PHASE, first
        if start == end:
            return CoverageTotal.Scope.MONTH, end
        if start == end.replace(month=1):
            return CoverageTotal.Scope.YEAR, start
        return None

    def _counted(self, parent: Unit, day: datetime.date) -> dict[int, int]:
        """Units at the indicator's level valid on `day`, per child of `parent` (`parent` is
        valid on `day`: its lineage's day). The same on every page until the map changes:
        kept with the lineage (a count of the country's 134,000 branches: ~25 ms a request)."""
        level = self.indicator.level
        history = lineage_of(parent, day)
        return history.derived(("counted", level, day), lambda: self._count(parent, day))

    def _count(self, parent: Unit, day: datetime.date) -> dict[int, int]:
        # The child's id is the part of a descendant's path after the parent's ("/1/5/42/"
        # under "/1/": 5). split_part costs half of a substring up to the next separator,
        # over the 133,000 branches of the nation.
        part = parent.path.count(PATH_SEP) + 1
        child = Func(
            F("path"), Value(PATH_SEP), Value(part), function="split_part",
            output_field=CharField(),
        )  # fmt: skip
        rows = (
            Unit.objects.subtree(parent, include_self=False)
            .filter(level=self.indicator.level)
            .valid_on(day)
            .annotate(child=child)
            .values("child")
            .annotate(n=Count("*"))
        )
        return {int(row["child"]): row["n"] for row in rows}

    def shares(
        self,
        parent: Unit,
        children: Sequence[Unit],
        start: datetime.date,
        end: datetime.date,
        day: datetime.date,
    ) -> dict[int, tuple[int, int, int]] | None:
        """(counted, meeting, reporting) for each child and the parent (by id) from the
        coverage totals, over a range that starts on or after the program's first month, or
        None when the totals cannot answer."""
        if not self.rolls_up:
            return None
        units = [*children, parent]
        level = LEVEL_RANK[self.indicator.level]
        if any(LEVEL_RANK[u.level] >= level for u in units):
            return None  # a unit at the level is its own single value: the live path
        if any(u.valid_to is not None and u.valid_to < day for u in units):
            return None  # a unit that ended earlier counts on its own last map: the live path
        scope = self._scope(start, end)
        if scope is None:
            return None
        name, first = scope
        rows = (
            CoverageTotal.objects.filter(
                indicator=self.indicator,
                unit__in=[u.pk for u in units],
                scope=name,
                month__gte=first,
                month__lte=end,
                valid_from__lte=day,
                valid_to__gte=day,
            )
            .values("unit")
            .annotate(met=Sum("met"), reported=Sum("reported"))
        )
        found = {row["unit"]: (row["met"], row["reported"]) for row in rows}
        counted = self._counted(parent, day)
        result = {}
        for unit in units:
            total = sum(counted.values()) if unit == parent else counted.get(unit.pk, 0)
            met, reported = found.get(unit.pk, (0, 0))
            result[unit.pk] = (total, met, reported)
        return result


RULES: dict[str, type[AggregationRule]] = {
    rule.value: rule for rule in (SumRule, CumulativeRule, StockRule, RateRule, CoverageRule)
}


def rule_for(indicator: Indicator) -> AggregationRule:
    """The indicator's rule object: the one place that dispatches on `indicator.rule`."""
    rule = RULES.get(indicator.rule)
    if rule is None:
        raise ValueError(f"unknown rule {indicator.rule!r}")
    return rule(indicator)
