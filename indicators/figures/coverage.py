"""Coverage of a flow, rolled up (indicators.models.CoverageTotal).

A coverage indicator over a flow (H-10: the share of branches whose H-09 over the range
reaches 5) needs each unit's own sum over the range: for the nation, 33,000 branches x the
range's months. Since values are never negative, "the sum from January to month e reaches
the threshold" is "the running sum first reached it in some month <= e". So each unit
contributes a few events, per scope:

- month: it reported in the month, and its value of that month reached the threshold;
- year: the first month of the year it reported, the month its running sum for the year first
  reached the threshold;
- phase: the same from the program's first month.

The events are added up for every ancestor (as the month totals are), grouped by the unit's
validity. A share over a month, a year to date or the phase is then a sum of at most 108 rows
per child, read by indicators.figures.rules.CoverageRule.shares (which coverages roll up is its
`rolls_up`). Other ranges, and children that ended before the range's last day, are left to
the live computation (CoverageRule.measure and .measures), which this must always equal.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection

from indicators.figures.rules import rule_for
from indicators.models import CoverageTotal, Indicator, Result, Rule
from members.models import Unit

Scope = CoverageTotal.Scope
EARLIEST = datetime.date(1, 1, 1)
LATEST = datetime.date(9999, 12, 31)

# (scope, month, "met" | "reported") -> count
Events = Counter[tuple[str, datetime.date, str]]
Validity = tuple[datetime.date, datetime.date]


def first_month(indicator: Indicator) -> datetime.date:
    return datetime.date(indicator.program.start_year, 1, 1)


def events(series: Iterable[tuple[datetime.date, Decimal | None]], indicator: Indicator) -> Events:
    """One unit's events from its source values (month, value), in month order."""
    assert indicator.threshold is not None
    threshold, start = indicator.threshold, first_month(indicator)
    found: Events = Counter()
    year, year_sum, year_met = 0, Decimal(0), False
    phase_sum, phase_seen, phase_met = Decimal(0), False, False
    for month, value in series:
        if value is None or month < start:
            continue
        found[(Scope.MONTH, month, "reported")] += 1
        found[(Scope.MONTH, month, "met")] += value >= threshold
        if month.year != year:
            year, year_sum, year_met = month.year, Decimal(0), False
            found[(Scope.YEAR, month, "reported")] += 1
        year_sum += value
        if not year_met and year_sum >= threshold:
            year_met = True
            found[(Scope.YEAR, month, "met")] += 1
        if not phase_seen:
            phase_seen = True
            found[(Scope.PHASE, month, "reported")] += 1
        phase_sum += value
        if not phase_met and phase_sum >= threshold:
            phase_met = True
            found[(Scope.PHASE, month, "met")] += 1
    return found


def validity(unit: Unit) -> Validity:
    return (unit.valid_from or EARLIEST, unit.valid_to or LATEST)


RowKey = tuple[int, int, str, datetime.date, datetime.date, datetime.date]  # ind, unit, ...


class Deltas:
    """Differences to the coverage totals of every ancestor, applied at once."""

    def __init__(self) -> None:
        self.rows: dict[RowKey, list[int]] = defaultdict(lambda: [0, 0])

    def add(
        self,
        indicator: Indicator,
        unit: Unit,
        found: Events,
        sign: int,
        valid: Validity | None = None,
    ) -> None:
        valid_from, valid_to = valid or validity(unit)
        for (scope, month, kind), count in found.items():
            if not count:
                continue
            for ancestor in unit.ancestor_ids():
                key = (indicator.pk, ancestor, scope, month, valid_from, valid_to)
                self.rows[key][kind == "reported"] += sign * count

    def apply(self) -> None:
        rows = [
            (unit, ind, scope, month, vf, vt, met, reported)
            for (ind, unit, scope, month, vf, vt), (met, reported) in sorted(self.rows.items())
            if met or reported
        ]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(_UPSERT.format(t=CoverageTotal._meta.db_table), rows)
        self.rows.clear()


_UPSERT = """
INSERT INTO {t} (unit_id, indicator_id, scope, month, valid_from, valid_to, met, reported)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (indicator_id, unit_id, scope, month, valid_from, valid_to) DO UPDATE SET
  met = {t}.met + excluded.met,
  reported = {t}.reported + excluded.reported
"""


def _coverages_of(source_ids: Iterable[int]) -> list[Indicator]:
    # Most writes change no coverage's source: asked first in plain SQL, which costs a form's
    # save less CPU than the ORM's query with its joins (read only when there is one).
    with connection.cursor() as cursor:
        cursor.execute(
            _COVERAGES.format(t=Indicator._meta.db_table), [Rule.COVERAGE, list(source_ids)]
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    if not ids:
        return []
    found = Indicator.objects.filter(pk__in=ids)
    return [c for c in found.select_related("source", "program") if rule_for(c).rolls_up]


_COVERAGES = "SELECT id FROM {t} WHERE rule = %s AND source_id = ANY(%s)"


def _series(source: Indicator, units: Iterable[int]) -> dict[int, dict[datetime.date, Decimal]]:
    rows = Result.objects.filter(indicator=source, unit__in=list(units)).order_by("month")
    series: dict[int, dict[datetime.date, Decimal]] = defaultdict(dict)
    for unit, month, value in rows.values_list("unit", "month", "value"):
        if value is not None:
            series[unit][month] = value
    return series


# (unit, source indicator id, month) -> the value before the write (None: no row)
Before = dict[tuple[Unit, int, datetime.date], Decimal | None]


def update(before: Before) -> None:
    """Moves the events of every unit whose source values changed (called after the write,
    in its transaction, with the values the changed rows had before it)."""
    coverages = _coverages_of({indicator_id for _u, indicator_id, _m in before})
    if not coverages:
        return
    deltas = Deltas()
    for coverage in coverages:
        assert coverage.source is not None
        changed = {(u.pk, m): v for (u, i, m), v in before.items() if i == coverage.source.pk}
        # Read again: the validity and place of a unit decide which totals its events go to.
        units = list(
            Unit.objects.filter(pk__in={pk for pk, _m in changed}).only(
                "path", "valid_from", "valid_to"
            )
        )
        now = _series(coverage.source, [u.pk for u in units])
        for unit in units:
            after = now.get(unit.pk, {})
            earlier = dict(after)
            for (pk, month), value in changed.items():
                if pk != unit.pk:
                    continue
                if value is None:
                    earlier.pop(month, None)
                else:
                    earlier[month] = value
            deltas.add(coverage, unit, events(sorted(earlier.items()), coverage), -1)
            deltas.add(coverage, unit, events(sorted(after.items()), coverage), 1)
    deltas.apply()


def revalidate(unit: Unit, before: Validity) -> None:
    """Moves a unit's events to the totals of its new validity, after its dates changed."""
    if validity(unit) == before:
        return
    deltas = Deltas()
    at_level = Indicator.objects.filter(level=unit.level).values_list("pk", flat=True)
    for coverage in _coverages_of(at_level):
        assert coverage.source is not None
        series = _series(coverage.source, [unit.pk]).get(unit.pk, {})
        found = events(sorted(series.items()), coverage)
        deltas.add(coverage, unit, found, -1, valid=before)
        deltas.add(coverage, unit, found, 1)
    deltas.apply()


def rebuild(source_ids: Iterable[int] | None = None) -> None:
    """Recomputes the coverage totals (of the coverages of these sources, or all)."""
    if source_ids is None:
        everything = Indicator.objects.filter(rule=Rule.COVERAGE, source__isnull=False)
        source_ids = [pk for pk in everything.values_list("source", flat=True) if pk]
    coverages = _coverages_of(source_ids)
    CoverageTotal.objects.filter(indicator__in=[c.pk for c in coverages]).delete()
    for coverage in coverages:
        assert coverage.source is not None
        units = {
            u.pk: u
            for u in Unit.objects.filter(level=coverage.level).only(
                "path", "valid_from", "valid_to"
            )
        }
        deltas = Deltas()
        rows = (
            Result.objects.filter(indicator=coverage.source)
            .order_by("unit", "month")
            .values_list("unit", "month", "value")
        )
        current = 0  # unit ids start at 1
        series: list[tuple[datetime.date, Decimal | None]] = []
        for unit, month, value in rows.iterator(chunk_size=20000):
            if unit != current:
                if current in units:
                    deltas.add(coverage, units[current], events(series, coverage), 1)
                current, series = unit, []
            series.append((month, value))
        if current in units:
            deltas.add(coverage, units[current], events(series, coverage), 1)
        deltas.apply()
