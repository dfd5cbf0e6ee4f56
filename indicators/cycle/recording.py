"""Recording results: the one door every monthly figure goes through, whatever brought it in.

`record_results` is the only function that creates, changes or deletes `Result` rows. The
month form (`indicators.cycle.entry.save_month`), the figures derived from activities
(`indicators.catalogue.services.write_derived`), `load_results`, the legacy import's commit
(`imports.services.commit`) and the admin's import (`indicators.resources.ResultResource`) all
hand it their entries, so every rule holds in one place whatever the way in:

- the entry rules (`indicators.cycle.entry.check_entries`: levels, counts, fractions, breakdowns),
  unless the caller ran them itself to report them by row of its file (`checked=True`);
- a month in which the unit did not exist (members.lifespan) is refused, always, with a message
  naming the unit's dates and its successor or predecessors;
- a month whose form is submitted or approved is refused, always, inside the transaction that
  writes (a month may be submitted between an import's preview and its commit);
- every row written, changed or deleted goes into the values' history with who and why
  ("form", "import", "activities", or "unlock" for a correction after approval);
- the month totals and the coverage totals move by the differences (`indicators.figures.totals`), in
  the same transaction;
- each month form written gets a new version and a line on its timeline (a returned month
  is a draft again).

How the rows are written is the service's business, chosen by how many there are and not by
who asks: up to `COPY_FROM` rows, simple_history's bulk helpers through the ORM; above it, a
COPY into a temporary table and one INSERT, one UPDATE and one INSERT of the history rows,
the same rows at COPY speed (a 100,000-row file would take the ORM some 20 seconds).
Deletions (a cleared cell, activities gone from a month) are one by one, each in the history.
`check_results` is the validation on its own, for callers that show problems without writing.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import batched
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.manager import HistoryManager

from accounts.models import User
from indicators.cycle import review
from indicators.cycle.bulk import LoadedEntry
from indicators.cycle.entry import (
    Entry,
    EntryError,
    Problem,
    SaveSummary,
    check_entries,
    is_above_level,
)
from indicators.figures.totals import Amounts, Changes
from indicators.models import Result, Submission, SubmissionState
from members.lifespan import existed_in, month_message

# Above this many rows created or changed at once, they go in by COPY (see the module's doc).
COPY_FROM = 2000
BATCH = 2000
Key = tuple[int, int, datetime.date]  # (unit id, indicator id, month)
# A saved row: id, value, numerator, denominator, months covered.
Stored = tuple[int, Decimal | None, Decimal | None, Decimal | None, int]


def _form_keys(entries: Iterable[Entry]) -> dict[Key, review.FormKey]:
    """The month form that holds each entry (a branch's figures are its commune's form)."""
    reporting: dict[int, int] = {}  # unit id -> the unit whose month form holds it
    forms = {}
    for e in entries:
        if e.unit.pk not in reporting:
            reporting[e.unit.pk] = review.reporting_unit(e.unit).pk
        forms[e.key] = review.FormKey(reporting[e.unit.pk], e.indicator.program_id, e.month)
    return forms


def locked_months(
    entries: Sequence[Entry], held: review.Held | None = None
) -> dict[Key, Submission]:
    """The entries whose month form is submitted or approved: key -> that form. Previews
    report them by row in their own words; `record_results` refuses them."""
    forms = _form_keys(entries)
    locked = review.locked_forms(set(forms.values()), held)
    return {key: locked[form] for key, form in forms.items() if form in locked}


def _lock_problems(entries: Sequence[Entry], held: review.Held | None = None) -> list[Problem]:
    """One problem per locked month form (on the last of its entries)."""
    locked = locked_months(entries, held)
    by_form: dict[int, tuple[Submission, Entry]] = {}
    for entry in entries:
        submission = locked.get(entry.key)
        if submission is not None:
            by_form[submission.pk] = (submission, entry)
    return [
        Problem(
            entry,
            "value",
            _("tháng %(month)s của %(unit)s %(state)s: đã khóa, cần cấp trên mở khóa để sửa")
            % {
                "month": f"{submission.month:%m/%Y}",
                "unit": submission.unit,
                "state": SubmissionState(submission.state).label.lower(),
            },
        )
        for submission, entry in by_form.values()
    ]


def _life_problems(entries: Sequence[Entry]) -> list[Problem]:
    """One problem per unit and month in which the unit did not exist (before it was created
    or after it ceased, say an old commune after 2025-07-01): its figures belong to its
    successor or its predecessors, which the message names."""
    problems: dict[tuple[int, datetime.date], Problem] = {}
    for entry in entries:
        key = (entry.unit.pk, entry.month)
        if key not in problems and not entry.is_blank and not existed_in(entry.unit, entry.month):
            problems[key] = Problem(entry, "value", month_message(entry.unit, entry.month))
    return list(problems.values())


def check_results(entries: Sequence[Entry], *, source: str = "form") -> list[Problem]:
    """Every problem of writing `entries` now: the months in which a unit did not exist, the
    locked months or, when there is neither, the entry rules' errors and then their warnings
    (a value unusually high, say)."""
    return (
        _life_problems(entries) or _lock_problems(entries) or check_entries(entries, source=source)
    )


def _stored(entries: Sequence[Entry]) -> dict[Key, Stored]:
    """The saved rows of these entries, locked until the transaction ends (the write depends
    on them), in a query per 2,000 units."""
    wanted = {e.key for e in entries}
    if not wanted:
        return {}
    indicators, months = {k[1] for k in wanted}, {k[2] for k in wanted}
    found: dict[Key, Stored] = {}
    for units in batched(sorted({k[0] for k in wanted}), BATCH):
        rows = Result.objects.select_for_update().filter(
            unit__in=units, indicator__in=indicators, month__in=months
        ).values_list("pk", "unit", "indicator", "month", "value", "numerator", "denominator",
                      "covers_months")  # fmt: skip
        for pk, unit, indicator, month, value, numerator, denominator, covers in rows:
            if (unit, indicator, month) in wanted:
                found[(unit, indicator, month)] = (pk, value, numerator, denominator, covers)
    return found


def _saved_values(entries: Sequence[Entry], stored: dict[Key, Stored]) -> dict[Key, Decimal | None]:
    """Each entry's saved value (None: no row, or no value), from its row read for the write:
    what the breakdown check needs of the totals entered with their breakdowns."""
    return {e.key: row[1] if (row := stored.get(e.key)) else None for e in entries}


class _Rows:
    """What a write does to the rows: created, changed (with their ids) and deleted."""

    def __init__(self) -> None:
        self.new: list[tuple[Entry, int]] = []  # entry, months covered
        self.changed: list[tuple[Entry, int, int]] = []  # entry, row id, months covered
        self.gone: list[tuple[Entry, Stored]] = []

    @property
    def written(self) -> int:
        return len(self.new) + len(self.changed)


def _amounts(entry: Entry) -> Amounts:
    return (entry.value, entry.numerator, entry.denominator)


def _result(entry: Entry, covers: int, user: User | None, now: datetime.datetime) -> Result:
    return Result(
        unit=entry.unit, indicator=entry.indicator, month=entry.month, value=entry.value,
        numerator=entry.numerator, denominator=entry.denominator, covers_months=covers,
        updated_by=user, updated_at=now,
    )  # fmt: skip


def _write_orm(rows: _Rows, user: User | None, reason: str) -> None:
    """Few rows: the new ones by bulk_create, the changed ones in one UPDATE from a VALUES
    list (bulk_update's CASE per field and row costs the form's save more than the rest of
    its writes), each row's history written with it (simple_history's bulk helpers' way)."""
    now = timezone.now()
    created = [_result(entry, covers, user, now) for entry, covers in rows.new]
    updated = []
    for entry, pk, covers in rows.changed:
        updated.append(_result(entry, covers, user, now))
        updated[-1].pk = pk
    history = {"default_user": user, "default_change_reason": reason, "batch_size": BATCH}
    if created:  # as bulk_create_with_history does on PostgreSQL (which returns the new ids)
        Result.objects.bulk_create(created, batch_size=BATCH)
        _history().bulk_history_create(created, **history)
    if updated:
        _update_rows(updated, user, now)
        _history().bulk_history_create(updated, update=True, **history)


@functools.cache
def _history() -> HistoryManager:
    """Result's history manager. simple_history makes a new manager class at each
    `Result.history` (Manager.from_queryset, a few ms of CPU, more than the rest of a form's
    write); bound to no row it holds nothing that changes, so one serves the process."""
    return Result.history


_UPDATE_ROWS = """
UPDATE {results} r SET value = v.value, numerator = v.numerator, denominator = v.denominator,
       covers_months = v.covers_months, updated_by_id = %s, updated_at = %s
FROM (VALUES {rows}) AS v (id, value, numerator, denominator, covers_months)
WHERE r.id = v.id
"""
_ROW = "(%s::bigint, %s::numeric, %s::numeric, %s::numeric, %s::smallint)"


def _update_rows(updated: list[Result], user: User | None, now: datetime.datetime) -> None:
    """Writes the amounts, months covered, who and when of `updated` (rows locked by `_stored`),
    a query per BATCH rows."""
    with connection.cursor() as cursor:
        for batch in batched(updated, BATCH):
            sql = _UPDATE_ROWS.format(
                results=Result._meta.db_table, rows=", ".join([_ROW] * len(batch))
            )
            params: list[Any] = [user.pk if user else None, now]
            for r in batch:
                params += [r.pk, r.value, r.numerator, r.denominator, r.covers_months]
            cursor.execute(sql, params)


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


def _write_copy(rows: _Rows, user: User | None, reason: str) -> None:
    """Many rows: COPY to a temporary table, then one INSERT, one UPDATE and one INSERT of
    their history rows (what simple_history's bulk helpers would write, at COPY speed instead
    of the ORM's ~5,000 rows a second)."""
    names = {"results": Result._meta.db_table, "history": Result.history.model._meta.db_table}
    now, user_id = timezone.now(), user.pk if user else None
    staged = [(True, entry, covers) for entry, covers in rows.new]
    staged += [(False, entry, covers) for entry, _pk, covers in rows.changed]
    with connection.cursor() as cursor:
        cursor.execute(_STAGE)
        with cursor.cursor.copy("COPY import_rows FROM STDIN") as copy:
            for is_new, e, covers in staged:
                copy.write_row((is_new, e.unit.pk, e.indicator.pk, e.month, *_amounts(e), covers))
        cursor.execute(_INSERT.format(**names), [now, user_id])
        cursor.execute(_UPDATE.format(**names), [now, user_id])
        cursor.execute(_HISTORY.format(**names), [now, reason, user_id])


def _delete(rows: _Rows, user: User | None, reason: str) -> None:
    """One by one, so that each deletion is in the history too."""
    for entry, (pk, value, numerator, denominator, covers) in rows.gone:
        result = Result(
            pk=pk, unit=entry.unit, indicator=entry.indicator, month=entry.month, value=value,
            numerator=numerator, denominator=denominator, covers_months=covers,
        )  # fmt: skip
        result._change_reason = reason  # type: ignore[attr-defined]
        result._history_user = user  # type: ignore[attr-defined]
        result.delete()


def record_results(
    entries: Sequence[Entry],
    *,
    user: User | None = None,
    source: str = "form",
    checked: bool = False,
    held: review.Held | None = None,
) -> SaveSummary:
    """Writes entries: all of them or, on any error, none (EntryError).

    A blank entry removes the month's saved figure (the cell was cleared); an entry equal to
    the saved figure is left alone. An entry from a file (`bulk.LoadedEntry`) also says how
    many months its figure covers; any other keeps what the row says (1 for a new row).
    `source` is the way in ("form", "import", "activities"): the entry rules depend on it and
    the history gives it as the reason. `checked`: the caller already ran the entry rules on
    these very entries and refused on their errors (an import reports them by row of its
    file); the unit's life and the locks are checked here all the same. `held`: the month
    forms the caller read for update in this transaction (review.Held), not read again.
    """
    # A caller holding its month forms (`held`) is in the transaction that writes: no
    # savepoint of its own (two more round trips); an error then ends the caller's transaction.
    with transaction.atomic(savepoint=held is None):
        return _record(entries, user, source, checked, held)


def _record(
    entries: Sequence[Entry],
    user: User | None,
    source: str,
    checked: bool,
    held: review.Held | None,
) -> SaveSummary:
    problems = _life_problems(entries) or _lock_problems(entries, held)
    stored = {} if problems else _stored(entries)  # read first: the checks want its values too
    if not problems and not checked:
        problems = check_entries(entries, source=source, saved=_saved_values(entries, stored))
    errors = [p for p in problems if p.blocking]
    if errors:
        raise EntryError(errors)
    forms = _form_keys(entries)
    rows, totals, touched = _Rows(), Changes(), set[review.FormKey]()
    for entry in entries:
        row = stored.get(entry.key)
        before = None if row is None else row[1:4]
        after = None if entry.is_blank else _amounts(entry)
        covers = row[4] if row is not None else 1
        if isinstance(entry, LoadedEntry):
            covers = entry.covers_months
        if row is not None and entry.is_blank:
            rows.gone.append((entry, row))
        elif row is None and not entry.is_blank:
            rows.new.append((entry, covers))
        elif row is not None and (before, covers) != (after, row[4]):
            rows.changed.append((entry, row[0], covers))
        else:
            continue
        own = is_above_level(entry.unit, entry.indicator)
        totals.add(entry.unit, entry.indicator.pk, entry.month, before, after, own=own)
        if not own:  # a province's own activities are in no month form
            touched.add(forms[entry.key])
    reason = review.change_source(list(touched), source, held)
    many = rows.written > COPY_FROM
    (_write_copy if many else _write_orm)(rows, user, reason)
    _delete(rows, user, reason)
    totals.apply()
    action = review.Action.IMPORT if source == "import" else review.Action.SAVE
    if many:
        review.record_many_writes(touched, user=user, action=action)
    else:
        review.record_writes(touched, user=user, action=action, held=held)
    return SaveSummary(
        created=len(rows.new),
        updated=len(rows.changed),
        deleted=len(rows.gone),
        unchanged=sum(1 for e in entries if not e.is_blank) - rows.written,
        warnings=problems,
    )
