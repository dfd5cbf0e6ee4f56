"""Entering results: the checks every entered figure goes through, and the month form's save.

The rules (no negative counts, a numerator within its denominator, a breakdown within its
total, values only at the indicator's level) are `check_entries`; every write of a figure, the
form's as the imports', goes through `indicators.cycle.recording.record_results`, which runs them,
so they hold whatever the way in.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import User
from common.numbers import format_number
from common.periods import add_months, month_start
from indicators.figures.engine import LEVEL_RANK
from indicators.figures.rules import rule_for
from indicators.models import (
    CollectionLevel,
    EntryDraft,
    Indicator,
    Result,
    Submission,
)
from indicators.selectors import value_history
from members import lifespan
from members.models import Unit
from programs.models import Program

# A value above both of these, against the unit's own last 12 months, is flagged (not refused).
UNUSUAL_FACTOR = 3
UNUSUAL_MARGIN = 10
MIN_HISTORY = 3
# The source of writes of figures derived from activity records (programs.services).
ACTIVITIES = "activities"
# Results hold 14 digits, 2 of them decimals.
LARGEST = Decimal(10) ** 12
Key = tuple[int, int, datetime.date]  # (unit id, indicator id, month)


@dataclass
class Entry:
    """One cell of a month: a unit's figure for an indicator."""

    unit: Unit
    indicator: Indicator
    month: datetime.date
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None

    @property
    def is_blank(self) -> bool:
        return self.value is None and self.numerator is None and self.denominator is None

    @property
    def key(self) -> tuple[int, int, datetime.date]:
        return (self.unit.pk, self.indicator.pk, self.month)


@dataclass
class Problem:
    entry: Entry
    field: str  # "value", "numerator" or "denominator"
    message: str
    blocking: bool = True


class EntryError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


@dataclass
class SaveSummary:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)


def _check_number(entry: Entry, name: str, number: Decimal | None) -> list[Problem]:
    if number is None:
        return []
    if number < 0:
        return [Problem(entry, name, _("không được âm"))]
    if number != number.to_integral_value():
        return [Problem(entry, name, _("phải là số nguyên (đây là số đếm)"))]
    if number >= LARGEST:
        return [Problem(entry, name, _("số quá lớn"))]
    return []


def is_above_level(unit: Unit, indicator: Indicator) -> bool:
    """Whether `unit` is above the level the indicator is collected at (a province, say)."""
    return LEVEL_RANK[unit.level] < LEVEL_RANK[indicator.level]


def _check_shape(entry: Entry, source: str) -> list[Problem]:
    """Where and how an indicator may be entered at all. A figure derived from activities is
    written only by them, at the indicator's level or, for an activity a unit above that level
    ran itself, at that unit (see programs.services). Legacy imports may still bring its
    figures for the months before activities were recorded."""
    indicator = entry.indicator
    derived = bool(indicator.derived_from)
    if derived and source == "form":
        message = _("chỉ tiêu này được tính từ các hoạt động đã ghi nhận, không nhập")
        return [Problem(entry, "value", message)]
    if source == ACTIVITIES and not derived:
        return [Problem(entry, "value", _("chỉ tiêu này không tính từ hoạt động"))]
    if not rule_for(indicator).entered:
        return [Problem(entry, "value", _("chỉ tiêu này được tính tự động, không nhập"))]
    if source == ACTIVITIES and is_above_level(entry.unit, indicator):
        return []
    if entry.unit.level != indicator.level:
        return [
            Problem(
                entry,
                "value",
                _("chỉ tiêu này nhập ở cấp %(level)s, không nhập ở %(unit)s")
                % {"level": CollectionLevel(indicator.level).label.lower(), "unit": entry.unit},
            )
        ]
    return [Problem(entry, f, m) for f, m in rule_for(indicator).check_shape(entry)]


def _check_fraction(entry: Entry) -> list[Problem]:
    return [Problem(entry, f, m) for f, m in rule_for(entry.indicator).check_fraction(entry)]


def _check_entry(entry: Entry, source: str) -> list[Problem]:
    problems = _check_shape(entry, source)
    if problems or entry.is_blank:
        return problems
    for name in ("value", "numerator", "denominator"):
        problems += _check_number(entry, name, getattr(entry, name))
    return problems or _check_fraction(entry)


def _stored_totals(
    entries: Sequence[Entry], saved: Mapping[Key, Decimal | None] | None = None
) -> dict[Key, Decimal]:
    """Saved totals that breakdowns in `entries` refer to and that are not being entered.
    `saved`: saved values the caller already read (None: no row or no value), used when it
    has every total wanted."""
    wanted = [e for e in entries if e.indicator.part_of_id is not None]
    if not wanted:
        return {}
    keys = {(e.unit.pk, part, e.month) for e in wanted if (part := e.indicator.part_of_id)}
    if saved is not None and keys <= saved.keys():
        return {k: v for k in keys if (v := saved[k]) is not None}
    rows = Result.objects.filter(
        unit__in={e.unit.pk for e in wanted},
        indicator__in={e.indicator.part_of_id for e in wanted},
        month__in={e.month for e in wanted},
    ).values_list("unit", "indicator", "month", "value")
    return {(u, i, m): v for u, i, m, v in rows if v is not None}


def _check_breakdowns(
    entries: Sequence[Entry],
    bad: set[Key],
    saved: Mapping[Key, Decimal | None] | None = None,
) -> list[Problem]:
    """Breakdowns above their totals, among the entries without an error of their own (`bad`):
    a total that is itself wrong is no measure, and neither is its saved value then."""
    totals = _stored_totals(entries, saved)
    totals.update({e.key: e.value for e in entries if e.value is not None})
    for key in bad:
        totals.pop(key, None)
    problems = []
    for entry in entries:
        part_of = entry.indicator.part_of
        if part_of is None or entry.value is None or entry.key in bad:
            continue
        total = totals.get((entry.unit.pk, part_of.pk, entry.month))
        if total is not None and entry.value > total:
            problems.append(
                Problem(
                    entry,
                    "value",
                    _("«trong đó» (%(part)s) lớn hơn tổng %(code)s (%(total)s)")
                    % {
                        "part": format_number(entry.value),
                        "code": part_of.code,
                        "total": format_number(total),
                    },
                )
            )
    return problems


def history_peaks(
    units: Iterable[Unit], indicators: Iterable[Indicator], month: datetime.date, covers: int = 1
) -> dict[tuple[int, int], Decimal]:
    """Each unit's highest figure of each indicator among the earlier figures of the same
    length: for a month (`covers` 1), the 12 months before `month`, where it has enough history
    to judge (MIN_HISTORY months); for a period's total (a year's, `covers` 12), the figures of
    the same length in the MIN_HISTORY periods before, where there is one at least. A year's
    total is never measured against monthly figures, nor a month against a year's total."""
    first, enough = peak_window(month, covers)
    unit_ids, indicator_ids = [u.pk for u in units], [i.pk for i in indicators]
    if not unit_ids or not indicator_ids:
        return {}
    # Plain SQL: the ORM's aggregate costs a save more CPU to build than PostgreSQL to run.
    with connection.cursor() as cursor:
        cursor.execute(
            _PEAKS.format(results=Result._meta.db_table),
            [unit_ids, indicator_ids, first, month, covers],
        )
        rows = cursor.fetchall()
    return {(u, i): peak for u, i, peak, months in rows if months >= enough}


def peak_window(month: datetime.date, covers: int = 1) -> tuple[datetime.date, int]:
    """The earlier figures history_peaks measures a figure of `month` against: from the month
    returned up to `month` (excluded), and how many of them it needs."""
    window = 12 if covers == 1 else covers * MIN_HISTORY
    return add_months(month, -window), MIN_HISTORY if covers == 1 else 1


_PEAKS = """
SELECT unit_id, indicator_id, MAX(value), COUNT(id) FROM {results}
WHERE unit_id = ANY(%s) AND indicator_id = ANY(%s) AND month >= %s AND month < %s
  AND value IS NOT NULL AND covers_months = %s
GROUP BY unit_id, indicator_id
"""


def is_unusual(value: Decimal, peak: Decimal) -> bool:
    return value > peak * UNUSUAL_FACTOR and value > peak + UNUSUAL_MARGIN


def _covers(entry: Entry) -> int:
    """How many months the entry's figure covers (a file's period total covers several)."""
    return int(getattr(entry, "covers_months", 1) or 1)


def _warnings(entries: Sequence[Entry]) -> list[Problem]:
    warnings = []
    for month, covers in {(e.month, _covers(e)) for e in entries}:
        batch = [
            e for e in entries if (e.month, _covers(e)) == (month, covers) and e.value is not None
        ]
        peaks = history_peaks({e.unit for e in batch}, {e.indicator for e in batch}, month, covers)
        for entry in batch:
            peak = peaks.get((entry.unit.pk, entry.indicator.pk))
            if entry.value is None or peak is None or not is_unusual(entry.value, peak):
                continue
            if covers == 1:
                message = _(
                    "cao bất thường so với 12 tháng trước (cao nhất %(peak)s): xin kiểm tra lại"
                ) % {"peak": format_number(peak)}
            else:
                message = _(
                    "cao bất thường so với các kỳ %(months)s tháng trước (cao nhất %(peak)s): "
                    "xin kiểm tra lại"
                ) % {"months": covers, "peak": format_number(peak)}
            warnings.append(Problem(entry, "value", message, blocking=False))
    return warnings


def check_entries(
    entries: Sequence[Entry],
    *,
    source: str = "form",
    unreadable: Sequence[Problem] = (),
    saved: Mapping[Key, Decimal | None] | None = None,
) -> list[Problem]:
    """Every problem of a set of entries in one pass, blocking errors first, then warnings:
    the text that is not a number (`unreadable`, found by the form's reader), each entry's own
    errors, and the breakdowns above their totals among the entries without errors. So a form
    with a negative value, a wrong number and a breakdown above its total hears of all three
    at once, not one round at a time. `saved`: the saved values of some cells, already read by
    the caller (None: no row or no value), so that the totals are not read again."""
    unread = {(p.entry.key, p.field) for p in unreadable}
    errors = list(unreadable) + [
        p
        for entry in entries
        for p in _check_entry(entry, source)
        if (entry.key, p.field) not in unread
    ]
    errors += _check_breakdowns(entries, {p.entry.key for p in errors}, saved)
    return errors + _warnings([e for e in entries if not e.is_blank])


class EntryRefused(Exception):
    """The user may not enter this month for this unit (scope, program phase, future)."""


class StaleForm(Exception):
    """Someone saved the month after this form was opened: saving would overwrite their work."""

    def __init__(self, message: str, changes: list[str]) -> None:
        self.changes = changes
        super().__init__(message)


def changes_since(submission: Submission, version: int) -> list[str]:
    """What was written to the month after `version`, by whom: "H-01 · Ba Ngòi: 3 → 5 (hoa)"."""
    saved_at = (
        submission.events.filter(version=version).order_by("-at").values_list("at", flat=True)
    ).first()
    changes = value_history(
        submission.unit, submission.program, submission.month, since=saved_at, limit=200
    )
    return [
        f"{c['indicator'].code} · {c['unit'].short_name or c['unit'].name}: "
        f"{c['before']} → {c['after']} ({c['user'].username if c['user'] else '?'})"
        for c in reversed(changes)
    ]


def ensure_can_enter(user: User, unit: Unit, program: Program, month: datetime.date) -> None:
    if not access.can_enter(user, unit):
        raise EntryRefused(_("Bạn không được nhập số liệu cho đơn vị này."))
    if not program.start_year <= month.year <= program.end_year:
        raise EntryRefused(
            _("Tháng %(month)s nằm ngoài giai đoạn %(phase)s của chương trình.")
            % {"month": f"{month:%m/%Y}", "phase": program.phase}
        )
    if month > month_start(timezone.localdate()):
        raise EntryRefused(_("Chưa thể nhập số liệu cho một tháng chưa đến."))
    if not lifespan.existed_in(unit, month):
        raise EntryRefused(lifespan.month_message(unit, month))


def save_month(
    *,
    user: User,
    unit: Unit,
    program: Program,
    month: datetime.date,
    entries: Sequence[Entry],
    version: int | None = None,
) -> SaveSummary:
    """Saves a unit's month for a program from its form, then drops the autosaved draft.

    `version` is the month's version when the form was opened: if someone saved since, the
    save is refused (StaleForm) with what they changed, never silently overwritten.
    """
    # Imported here: the recording service builds on this module's entries and checks.
    from indicators.cycle import recording, review

    ensure_can_enter(user, unit, program, month)
    if any(e.month != month for e in entries) or not access.can_all(
        user, access.Action.ENTER, {e.unit.pk: e.unit for e in entries}.values()
    ):
        raise EntryRefused(_("Bạn không được nhập số liệu cho đơn vị này."))
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update()
            .filter(unit=unit, program=program, month=month)
            .first()
        )
        if version is not None and submission is not None and submission.version != version:
            raise StaleForm(
                _(
                    "Tháng này vừa được lưu bởi người khác sau khi bạn mở trang; chưa lưu gì. "
                    "Những thay đổi của họ:"
                ),
                changes_since(submission, version),
            )
        if submission is not None:  # the same rows (the form's locked-month message names them)
            submission.unit, submission.program = unit, program
        held = {review.FormKey(unit.pk, program.pk, month): submission}
        summary = recording.record_results(entries, user=user, source="form", held=held)
        EntryDraft.objects.filter(unit=unit, program=program, month=month).delete()
    return summary


def save_draft(
    *, user: User, unit: Unit, program: Program, month: datetime.date, data: dict[str, str]
) -> EntryDraft:
    """Keeps what was typed, valid or not: nothing is checked until the month is saved."""
    ensure_can_enter(user, unit, program, month)
    draft = EntryDraft(unit=unit, program=program, month=month, data=data, saved_by=user)
    # One upsert (its unique constraint one_draft_per_form), not update_or_create's select,
    # savepoint and insert or update: autosaves are a quarter of the deadline day's requests.
    EntryDraft.objects.bulk_create(
        [draft],
        update_conflicts=True,
        unique_fields=["unit", "program", "month"],
        update_fields=["data", "saved_by", "saved_at"],
    )
    return draft
