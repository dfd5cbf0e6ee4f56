"""Bulk reads and writes of results and targets, for imports of whole files (imports app).

`write_entries` is the write path for forms and small files; for a 100,000-row file its
per-month bookkeeping is too slow, so a file's rows go in here: bulk inserts and updates with
their history rows (reason "import"), the month totals moved by the differences, and
one event per month written on the review timeline. The rules are the same: entries are checked
by `indicators.entry.check_entries` and locked months are refused (`locked_keys`) before.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import batched

from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import User
from indicators import review, totals
from indicators.entry import Entry
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


def stored_results(keys: Iterable[Key], *, lock: bool = False) -> dict[Key, Stored]:
    """The saved figures for these keys, in a query per 2,000 units (`lock`: their rows are
    locked until the transaction ends, for a write that depends on them)."""
    wanted = set(keys)
    if not wanted:
        return {}
    indicator_ids = {k[1] for k in wanted}
    months = [k[2] for k in wanted]
    found: dict[Key, Stored] = {}
    for units in _by_unit_batches({k[0] for k in wanted}):
        found_rows = Result.objects.select_for_update() if lock else Result.objects.all()
        rows = found_rows.filter(
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


def locked_keys(entries: Sequence[Entry]) -> dict[Key, str]:
    """The entries whose month is submitted or approved: key -> the month form's state."""
    reporting: dict[int, int] = {}  # unit id -> the unit whose month form holds it
    forms = {}
    for e in entries:
        if e.unit.pk not in reporting:
            reporting[e.unit.pk] = review.reporting_unit(e.unit).pk
        forms[e.key] = review.FormKey(reporting[e.unit.pk], e.indicator.program_id, e.month)
    locked = review.locked_forms(set(forms.values()))
    return {key: locked[form].state for key, form in forms.items() if form in locked}


def _update_results(entries: Sequence[LoadedEntry]) -> list[Result]:
    by_key = {e.key: e for e in entries}
    changed = []
    for units in _by_unit_batches({e.unit.pk for e in entries}):
        rows = Result.objects.select_for_update().filter(
            unit__in=units,
            indicator__in={e.indicator.pk for e in entries},
            month__in={e.month for e in entries},
        )
        for result in rows:
            entry = by_key.get((result.unit_id, result.indicator_id, result.month))
            if entry is not None:
                result.value, result.numerator, result.denominator = (
                    entry.value, entry.numerator, entry.denominator
                )  # fmt: skip
                result.covers_months = entry.covers_months
                changed.append(result)
    return changed


_STAGE = """
DROP TABLE IF EXISTS import_rows;
CREATE TEMPORARY TABLE import_rows (
  is_new boolean, unit_id bigint, indicator_id bigint, month date, value numeric(14, 2),
  numerator numeric(14, 2), denominator numeric(14, 2), covers_months smallint
) ON COMMIT DROP
"""
_INSERT = """
INSERT INTO {results} (unit_id, indicator_id, month, value, numerator, denominator,
                       covers_months, updated_at, updated_by_id)
SELECT unit_id, indicator_id, month, value, numerator, denominator, covers_months, %s, %s
FROM import_rows WHERE is_new
"""
_UPDATE = """
UPDATE {results} r SET value = t.value, numerator = t.numerator, denominator = t.denominator,
       covers_months = t.covers_months, updated_at = %s, updated_by_id = %s
FROM import_rows t
WHERE NOT t.is_new AND r.unit_id = t.unit_id AND r.indicator_id = t.indicator_id
  AND r.month = t.month
"""
_HISTORY = """
INSERT INTO {history} (id, unit_id, indicator_id, month, value, numerator, denominator,
                       covers_months, history_date, history_change_reason, history_type,
                       history_user_id)
SELECT r.id, r.unit_id, r.indicator_id, r.month, r.value, r.numerator, r.denominator,
       r.covers_months, %s, %s, CASE WHEN t.is_new THEN '+' ELSE '~' END, %s
FROM import_rows t
JOIN {results} r ON r.unit_id = t.unit_id AND r.indicator_id = t.indicator_id
                AND r.month = t.month
"""


def _copy_results(
    new: Sequence[LoadedEntry], changed: Sequence[LoadedEntry], user: User | None, reason: str
) -> None:
    """PostgreSQL: the rows go in by COPY to a temporary table, then one INSERT, one UPDATE
    and one INSERT of their history rows (what simple_history's bulk helpers would write, at
    COPY speed instead of the ORM's ~5,000 rows a second)."""
    names = {"results": Result._meta.db_table, "history": Result.history.model._meta.db_table}
    now, user_id = timezone.now(), user.pk if user else None
    with connection.cursor() as cursor:
        cursor.execute(_STAGE)
        with cursor.cursor.copy("COPY import_rows FROM STDIN") as copy:
            for is_new, entries in ((True, new), (False, changed)):
                for e in entries:
                    copy.write_row((is_new, e.unit.pk, e.indicator.pk, e.month, *e.stored))
        cursor.execute(_INSERT.format(**names), [now, user_id])
        cursor.execute(_UPDATE.format(**names), [now, user_id])
        cursor.execute(_HISTORY.format(**names), [now, reason, user_id])


def _orm_results(
    new: Sequence[LoadedEntry], changed: Sequence[LoadedEntry], user: User | None, reason: str
) -> None:
    """Other databases (SQLite in the quick start): simple_history's bulk helpers."""
    now = timezone.now()
    created = [
        Result(
            unit=e.unit, indicator=e.indicator, month=e.month, value=e.value,
            numerator=e.numerator, denominator=e.denominator, covers_months=e.covers_months,
            updated_by=user, updated_at=now,
        )
        for e in new
    ]  # fmt: skip
    updated = _update_results(changed)
    for result in updated:
        result.updated_by, result.updated_at = user, now
    history = {"default_user": user, "default_change_reason": reason, "batch_size": BATCH}
    bulk_create_with_history(created, Result, **history)
    fields = ["value", "numerator", "denominator", "covers_months", "updated_by", "updated_at"]
    bulk_update_with_history(updated, Result, fields, **history)


@transaction.atomic
def write_results(
    new: Sequence[LoadedEntry], changed: Sequence[LoadedEntry], *, user: User | None
) -> None:
    """Inserts `new` and overwrites `changed` (already checked and planned), with history,
    month totals and the months' timelines kept right."""
    entries = [*new, *changed]
    if not entries:
        return
    touched = {review.form_key(e.unit, e.indicator, e.month) for e in entries}
    reason = review.change_source(list(touched), "import")
    before = stored_results((e.key for e in changed), lock=True)
    write = _copy_results if connection.vendor == "postgresql" else _orm_results
    write(new, changed, user, reason)
    _add_to_totals(new, changed, before)
    review.record_many_writes(touched, user=user, action=review.Action.IMPORT)


def _add_to_totals(
    new: Sequence[LoadedEntry], changed: Sequence[LoadedEntry], before: dict[Key, Stored]
) -> None:
    """The month totals move by the file's differences only (a few hundred upserts for a
    province's file), not by a rebuild of the indicators' totals across the whole country."""
    changes = totals.Changes()
    for entry in new:
        amounts = (entry.value, entry.numerator, entry.denominator)
        changes.add(entry.unit, entry.indicator.pk, entry.month, None, amounts)
    for entry in changed:
        old = before.get(entry.key)
        if old is None:  # removed meanwhile: the UPDATE found no row to change
            continue
        amounts = (entry.value, entry.numerator, entry.denominator)
        changes.add(entry.unit, entry.indicator.pk, entry.month, old[:3], amounts)
    changes.apply()


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
