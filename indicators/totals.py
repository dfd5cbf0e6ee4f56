"""Month totals per unit above the reporting units (indicators.models.MonthTotal).

`Changes` collects what a write does to the results (before -> after of each row) and adds
the differences to the totals of every ancestor of the unit, in the same transaction: one
upsert per (ancestor, indicator, month), in key order so that two saves never deadlock. A
save of a commune's month touches about 4 ancestors x the fields written.

`rebuild` recomputes them from the results, level by level from the deepest units up, in one
INSERT ... SELECT per level: for bulk loads (the demo, the benchmark, a restored database).
Both also keep the coverage totals (indicators.coverage) of the flows written.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max

from indicators import coverage
from indicators.models import MonthTotal, Result
from members.models import Unit

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
    ) -> None:
        """One result row of `unit` went from `before` to `after` (None: no row)."""
        self._before.setdefault((unit, indicator_id, month), before[0] if before else None)
        diff = [a + b for a, b in zip(_signed(after, 1), _signed(before, -1), strict=True)]
        for ancestor_id in unit.ancestor_ids():
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
  FROM {results} WHERE {only}
  UNION ALL
  SELECT unit_id, indicator_id, month, value, numerator, denominator, units
  FROM {totals} WHERE {only}
) x
JOIN {units} u ON u.id = x.unit_id
WHERE u.depth = %s AND u.parent_id IS NOT NULL
GROUP BY u.parent_id, x.indicator_id, x.month
"""


@transaction.atomic
def rebuild(indicator_ids: Iterable[int] | None = None) -> int:
    """Recomputes the totals (of these indicators, or all) from the results."""
    ids = sorted(set(indicator_ids)) if indicator_ids is not None else None
    only = "1=1" if ids is None else f"indicator_id IN ({', '.join(str(int(i)) for i in ids)})"
    stale = MonthTotal.objects.all()
    if ids is not None:
        stale = stale.filter(indicator_id__in=ids)
    stale.delete()
    sql = _ROLL_UP.format(
        totals=MonthTotal._meta.db_table,
        results=Result._meta.db_table,
        units=Unit._meta.db_table,
        only=only,
    )
    deepest = Unit.objects.aggregate(depth=Max("depth"))["depth"] or 0
    with connection.cursor() as cursor:
        for depth in range(deepest, 0, -1):
            cursor.execute(sql, [depth])
    coverage.rebuild(ids)
    return MonthTotal.objects.count()
