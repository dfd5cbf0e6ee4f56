"""Bulk reads of results and targets and the bulk write of targets, for imports of whole files.

The results of a file are written by `indicators.cycle.recording.record_results`, as every other
figure is (it switches to COPY for a large file on its own); here are the file's entries
(`LoadedEntry`), the saved figures a preview compares them with, and the targets' upsert.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import batched

from django.db import transaction

from indicators.cycle.entry import Entry
from indicators.models import Result, Target

BATCH = 2000
Key = tuple[int, int, datetime.date]  # (unit id, indicator id, month or period end)
Stored = tuple[Decimal | None, Decimal | None, Decimal | None, int]


@dataclass
class LoadedEntry(Entry):
    """An entry from a file: a period's figure says how many months it covers."""

    covers_months: int = 1

    @property
    def stored(self) -> Stored:
        return (self.value, self.numerator, self.denominator, self.covers_months)


def _by_unit_batches(unit_ids: set[int]) -> Iterable[tuple[int, ...]]:
    return batched(sorted(unit_ids), BATCH)


def stored_results(keys: Iterable[Key]) -> dict[Key, Stored]:
    """The saved figures for these keys, in a query per 2,000 units."""
    wanted = set(keys)
    if not wanted:
        return {}
    indicator_ids = {k[1] for k in wanted}
    months = [k[2] for k in wanted]
    found: dict[Key, Stored] = {}
    for units in _by_unit_batches({k[0] for k in wanted}):
        rows = Result.objects.filter(
            unit__in=units,
            indicator__in=indicator_ids,
            month__gte=min(months),
            month__lte=max(months),
        ).values_list("unit", "indicator", "month", "value", "numerator", "denominator",
                      "covers_months")  # fmt: skip
        for unit, indicator, month, value, numerator, denominator, covers in rows:
            if (unit, indicator, month) in wanted:
                found[(unit, indicator, month)] = (value, numerator, denominator, covers)
    return found


def stored_targets(keys: Iterable[Key]) -> dict[Key, Decimal]:
    wanted = set(keys)
    found: dict[Key, Decimal] = {}
    for units in _by_unit_batches({k[0] for k in wanted}):
        rows = Target.objects.filter(
            unit__in=units,
            indicator__in={k[1] for k in wanted},
            period_end__in={k[2] for k in wanted},
        ).values_list("unit", "indicator", "period_end", "value")
        found.update({(u, i, p): v for u, i, p, v in rows if (u, i, p) in wanted})
    return found


@transaction.atomic
def write_targets(rows: Sequence[tuple[int, int, datetime.date, Decimal]], note: str) -> None:
    """Creates or overwrites targets (unit id, indicator id, period end, value)."""
    if not rows:
        return
    Target.objects.bulk_create(
        [
            Target(unit_id=u, indicator_id=i, period_end=p, value=v, note=note)
            for u, i, p, v in rows
        ],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["unit", "indicator", "period_end"],
        update_fields=["value", "note"],
    )
