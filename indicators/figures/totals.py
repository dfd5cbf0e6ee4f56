"""Month totals per unit above the reporting units (indicators.models.MonthTotal).

`Changes` collects what a write does to the results (before -> after of each row) and adds
the differences to the totals of every ancestor of the unit, in the same transaction: one
upsert per (ancestor, indicator, month), in key order so that two saves never deadlock. A
save of a commune's month touches about 4 ancestors x the fields written.

`rebuild` recomputes them from the results, level by level from the deepest units up, in one
INSERT ... SELECT per level: for bulk loads (the demo, the benchmark, a restored database).
Both also keep the coverage totals (indicators.figures.coverage) of the flows written.

A result of a unit above its indicator's level (only indicators derived from activities have
them: a province-run class) is in that unit's own totals and its ancestors', never in any
child's: `rebuild` puts it in the unit's totals first and then rolls the totals up.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max

from indicators.figures import coverage
from indicators.models import Indicator, MonthTotal, Result
from members.models import Level, Unit

Amounts = tuple[Decimal | None, Decimal | None, Decimal | None]
Key = tuple[int, int, datetime.date]  # (indicator id, ancestor unit id, month)
ZERO = Decimal(0)


def _signed(amounts: Amounts | None, sign: int) -> list[Decimal]:
    """value, numerator, denominator and the row count (1) of a row, times `sign`."""
    if amounts is None:
        return [ZERO, ZERO, ZERO, ZERO]
    return [sign * (a or ZERO) for a in amounts] + [Decimal(sign)]


class Changes:
    """The differences a write makes to the month totals, applied at once by `apply`."""

    def __init__(self) -> None:
        self._deltas: dict[Key, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
        self._before: coverage.Before = {}

    def add(
        self,
        unit: Unit,
        indicator_id: int,
        month: datetime.date,
        before: Amounts | None,
        after: Amounts | None,
        *,
        own: bool = False,
    ) -> None:
        """One result row of `unit` went from `before` to `after` (None: no row). `own`: the
        unit is above the indicator's level (an activity it ran itself), so the row is in
        its own totals too, not only in its ancestors'."""
        self._before.setdefault((unit, indicator_id, month), before[0] if before else None)
        diff = [a + b for a, b in zip(_signed(after, 1), _signed(before, -1), strict=True)]
        for ancestor_id in unit.ancestor_ids() + ([unit.pk] if own else []):
            total = self._deltas[(indicator_id, ancestor_id, month)]
            for i, d in enumerate(diff):
                total[i] += d

    def apply(self) -> int:
        rows: list[tuple[int, int, datetime.date, Decimal, Decimal, Decimal, int]] = [
            (unit_id, indicator_id, month, delta[0], delta[1], delta[2], int(delta[3]))
            for (indicator_id, unit_id, month), delta in sorted(self._deltas.items())
            if any(delta)
        ]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(_UPSERT.format(t=MonthTotal._meta.db_table), rows)
        self._deltas.clear()
        coverage.update(self._before)
        self._before.clear()
        return len(rows)


_UPSERT = """
INSERT INTO {t} (unit_id, indicator_id, month, value, numerator, denominator, units)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (indicator_id, unit_id, month) DO UPDATE SET
  value = {t}.value + excluded.value,
  numerator = {t}.numerator + excluded.numerator,
  denominator = {t}.denominator + excluded.denominator,
  units = {t}.units + excluded.units
"""

_ROLL_UP = """
INSERT INTO {totals} (unit_id, indicator_id, month, value, numerator, denominator, units)
SELECT u.parent_id, x.indicator_id, x.month,
       SUM(x.value), SUM(x.numerator), SUM(x.denominator), SUM(x.units)
FROM (
  SELECT unit_id, indicator_id, month, COALESCE(value, 0) AS value,
         COALESCE(numerator, 0) AS numerator, COALESCE(denominator, 0) AS denominator,
         1 AS units
  FROM {results} r WHERE ({only}) AND NOT ({above})
  UNION ALL
  SELECT unit_id, indicator_id, month, value, numerator, denominator, units
  FROM {totals} r WHERE {only}
) x
JOIN {units} u ON u.id = x.unit_id
WHERE u.depth = %s AND u.parent_id IS NOT NULL
GROUP BY u.parent_id, x.indicator_id, x.month
ON CONFLICT (indicator_id, unit_id, month) DO UPDATE SET
  value = {totals}.value + excluded.value,
  numerator = {totals}.numerator + excluded.numerator,
  denominator = {totals}.denominator + excluded.denominator,
  units = {totals}.units + excluded.units
"""

# The results of units above their indicator's level, into the unit's own totals.
_OWN = """
INSERT INTO {totals} (unit_id, indicator_id, month, value, numerator, denominator, units)
SELECT r.unit_id, r.indicator_id, r.month, COALESCE(r.value, 0), COALESCE(r.numerator, 0),
       COALESCE(r.denominator, 0), 1
FROM {results} r WHERE ({only}) AND ({above})
"""


def _rank_sql(column: str) -> str:
    cases = " ".join(f"WHEN '{level}' THEN {rank}" for rank, level in enumerate(Level.values))
    return f"(CASE {column} {cases} END)"


def _above_sql() -> str:
    """SQL true when result `r`'s unit is above its indicator's collection level: only
    derived indicators have such rows, so the others are not looked at."""
    derived = list(Indicator.objects.exclude(derived_from="").values_list("pk", flat=True))
    if not derived:
        return "1=0"
    return (
        f"r.indicator_id IN ({', '.join(str(int(pk)) for pk in derived)})"
        f" AND EXISTS (SELECT 1 FROM {Unit._meta.db_table} ru, {Indicator._meta.db_table} ri"
        f" WHERE ru.id = r.unit_id AND ri.id = r.indicator_id"
        f" AND {_rank_sql('ru.level')} < {_rank_sql('ri.level')})"
    )


@transaction.atomic
def rebuild(indicator_ids: Iterable[int] | None = None) -> int:
    """Recomputes the totals (of these indicators, or all) from the results."""
    ids = sorted(set(indicator_ids)) if indicator_ids is not None else None
    only = "1=1" if ids is None else f"indicator_id IN ({', '.join(str(int(i)) for i in ids)})"
    stale = MonthTotal.objects.all()
    if ids is not None:
        stale = stale.filter(indicator_id__in=ids)
    stale.delete()
    tables = {"totals": MonthTotal._meta.db_table, "results": Result._meta.db_table}
    only = only.replace("indicator_id", "r.indicator_id")
    above = _above_sql()
    sql = _ROLL_UP.format(**tables, units=Unit._meta.db_table, only=only, above=above)
    deepest = Unit.objects.aggregate(depth=Max("depth"))["depth"] or 0
    with connection.cursor() as cursor:
        # A rebuild follows bulk loads (units, the demo, a catalogue) that the planner's
        # statistics have not seen yet: without them it takes a level of thousands of units for
        # one row and scans the results once per unit (58 s instead of about 1 s on the demo).
        cursor.execute(f"ANALYZE {Unit._meta.db_table}, {Result._meta.db_table}")
        cursor.execute(_OWN.format(**tables, only=only, above=above))
        for depth in range(deepest, 0, -1):
            cursor.execute(sql, [depth])
    coverage.rebuild(ids)
    return MonthTotal.objects.count()
