"""Entering results: the checks every entered figure goes through, and the atomic save.

The month form, `load_results` and later imports all write through `write_entries`, so a rule
(no negative counts, a numerator within its denominator, a breakdown within its total, values
only at the indicator's level) holds whatever the way in.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts import access
from accounts.models import User
from indicators import review
from indicators.engine import LEVEL_RANK
from indicators.models import (
    CollectionLevel,
    EntryDraft,
    Indicator,
    Result,
    Rule,
    Submission,
    SubmissionState,
)
from indicators.numbers import format_number
from indicators.periods import add_months, month_start
from indicators.selectors import value_history
from indicators.totals import Amounts, Changes
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
    if indicator.rule == Rule.COVERAGE:
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
    if indicator.rule == Rule.RATE and entry.value is not None:
        return [Problem(entry, "value", _("chỉ tiêu tỷ lệ: nhập tử số và mẫu số"))]
    if indicator.rule != Rule.RATE and (entry.numerator or entry.denominator) is not None:
        return [Problem(entry, "value", _("chỉ tiêu này chỉ có một giá trị"))]
    return []


def _check_fraction(entry: Entry) -> list[Problem]:
    num, den = entry.numerator, entry.denominator
    if num is None and den is None:
        return []
    if num is None:
        return [Problem(entry, "numerator", _("thiếu tử số"))]
    if den is None:
        return [Problem(entry, "denominator", _("thiếu mẫu số"))]
    if den == 0:
        return [Problem(entry, "denominator", _("mẫu số phải lớn hơn 0"))]
    if num > den:
        return [
            Problem(
                entry,
                "numerator",
                _("tử số (%(num)s) lớn hơn mẫu số (%(den)s)")
                % {"num": format_number(num), "den": format_number(den)},
            )
        ]
    return []


def _check_entry(entry: Entry, source: str) -> list[Problem]:
    problems = _check_shape(entry, source)
    if problems or entry.is_blank:
        return problems
    for name in ("value", "numerator", "denominator"):
        problems += _check_number(entry, name, getattr(entry, name))
    return problems or _check_fraction(entry)


def _stored_totals(entries: Sequence[Entry]) -> dict[tuple[int, int, datetime.date], Decimal]:
    """Saved totals that breakdowns in `entries` refer to and that are not being entered."""
    wanted = [e for e in entries if e.indicator.part_of_id is not None]
    if not wanted:
        return {}
    rows = Result.objects.filter(
        unit__in={e.unit.pk for e in wanted},
        indicator__in={e.indicator.part_of_id for e in wanted},
        month__in={e.month for e in wanted},
    ).values_list("unit", "indicator", "month", "value")
    return {(u, i, m): v for u, i, m, v in rows if v is not None}


def _check_breakdowns(entries: Sequence[Entry]) -> list[Problem]:
    totals = _stored_totals(entries)
    totals.update({e.key: e.value for e in entries if e.value is not None})
    problems = []
    for entry in entries:
        part_of = entry.indicator.part_of
        if part_of is None or entry.value is None:
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
    units: Iterable[Unit], indicators: Iterable[Indicator], month: datetime.date
) -> dict[tuple[int, int], Decimal]:
    """Each unit's highest value of each indicator over the 12 months before `month`, where it
    has enough history to judge (MIN_HISTORY months)."""
    rows = (
        Result.objects.filter(
            unit__in=list(units),
            indicator__in=list(indicators),
            month__gte=add_months(month, -12),
            month__lt=month,
            value__isnull=False,
        )
        .values("unit", "indicator")
        .annotate(peak=Max("value"), months=Count("id"))
    )
    return {(r["unit"], r["indicator"]): r["peak"] for r in rows if r["months"] >= MIN_HISTORY}


def is_unusual(value: Decimal, peak: Decimal) -> bool:
    return value > peak * UNUSUAL_FACTOR and value > peak + UNUSUAL_MARGIN


def _warnings(entries: Sequence[Entry]) -> list[Problem]:
    warnings = []
    for month in {e.month for e in entries}:
        batch = [e for e in entries if e.month == month and e.value is not None]
        peaks = history_peaks({e.unit for e in batch}, {e.indicator for e in batch}, month)
        for entry in batch:
            peak = peaks.get((entry.unit.pk, entry.indicator.pk))
            if entry.value is not None and peak is not None and is_unusual(entry.value, peak):
                message = _(
                    "cao bất thường so với 12 tháng trước (cao nhất %(peak)s): xin kiểm tra lại"
                ) % {"peak": format_number(peak)}
                warnings.append(Problem(entry, "value", message, blocking=False))
    return warnings


def check_entries(entries: Sequence[Entry], *, source: str = "form") -> list[Problem]:
    """Every problem of a set of entries: blocking errors first, then warnings."""
    errors = [p for entry in entries for p in _check_entry(entry, source)]
    if not errors:
        errors = _check_breakdowns(entries)
    return errors + _warnings([e for e in entries if not e.is_blank])


def _amounts(result: Result | None) -> Amounts | None:
    return None if result is None else (result.value, result.numerator, result.denominator)


def _apply(result: Result, entry: Entry) -> bool:
    new = (entry.value, entry.numerator, entry.denominator)
    if (result.value, result.numerator, result.denominator) == new:
        return False
    result.value, result.numerator, result.denominator = new
    return True


def _lock_problems(entries: Sequence[Entry]) -> list[Problem]:
    keys = {review.form_key(e.unit, e.indicator, e.month): e for e in entries}
    locked = review.locked_forms(set(keys))
    return [
        Problem(
            keys[key],
            "value",
            _("tháng %(month)s của %(unit)s %(state)s: đã khóa, cần cấp trên mở khóa để sửa")
            % {
                "month": f"{key.month:%m/%Y}",
                "unit": submission.unit,
                "state": SubmissionState(submission.state).label.lower(),
            },
        )
        for key, submission in locked.items()
    ]


def _write_with_history(
    new: list[Result], changed: list[Result], gone: list[Result], user: User | None, reason: str
) -> None:
    now = timezone.now()
    for result in new + changed:
        result.updated_by, result.updated_at = user, now
    history = {"default_user": user, "default_change_reason": reason, "batch_size": 2000}
    bulk_create_with_history(new, Result, **history)
    fields = ["value", "numerator", "denominator", "updated_by", "updated_at"]
    bulk_update_with_history(changed, Result, fields, **history)
    for result in gone:  # one by one, so that each deletion is in the history too
        result._change_reason = reason  # type: ignore[attr-defined]
        result._history_user = user  # type: ignore[attr-defined]
        result.delete()


@transaction.atomic
def write_entries(
    entries: Sequence[Entry], *, user: User | None = None, source: str = "form"
) -> SaveSummary:
    """Checks and writes entries: all of them or, on any error, none (EntryError).

    A blank entry removes the month's saved figure (the cell was cleared). Months that are
    submitted or approved are locked. Every change goes into the values' history with its
    source ("form", "import", "activities", or "unlock" for a correction after approval), and
    each month
    written gets a new version and a line on its timeline.
    """
    problems = _lock_problems(entries) or check_entries(entries, source=source)
    errors = [p for p in problems if p.blocking]
    if errors:
        raise EntryError(errors)
    summary = SaveSummary(warnings=problems)
    existing = {
        (r.unit_id, r.indicator_id, r.month): r
        for r in Result.objects.select_for_update().filter(
            unit__in={e.unit.pk for e in entries},
            indicator__in={e.indicator.pk for e in entries},
            month__in={e.month for e in entries},
        )
    }
    new, changed, gone, touched = [], [], [], []
    totals = Changes()
    for entry in entries:
        result = existing.get(entry.key)
        before = _amounts(result)
        if entry.is_blank:
            gone += [result] if result else []
        elif result is None:
            new.append(Result(unit=entry.unit, indicator=entry.indicator, month=entry.month))
            _apply(new[-1], entry)
        elif _apply(result, entry):
            changed.append(result)
        else:
            continue
        after = None if entry.is_blank else (entry.value, entry.numerator, entry.denominator)
        own = is_above_level(entry.unit, entry.indicator)
        totals.add(entry.unit, entry.indicator.pk, entry.month, before, after, own=own)
        if not own:  # a province's own activities are in no month form
            touched.append(review.form_key(entry.unit, entry.indicator, entry.month))
    _write_with_history(new, changed, gone, user, review.change_source(touched, source))
    totals.apply()
    action = review.Action.IMPORT if source == "import" else review.Action.SAVE
    review.record_writes(set(touched), user=user, action=action)
    summary.created, summary.updated, summary.deleted = len(new), len(changed), len(gone)
    summary.unchanged = sum(1 for e in entries if not e.is_blank) - len(new) - len(changed)
    return summary


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
    if not unit.is_valid_on(month):
        raise EntryRefused(_("Đơn vị không hoạt động trong tháng này."))


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
    ensure_can_enter(user, unit, program, month)
    allowed = set(
        access.units_for(user, access.Action.ENTER)
        .filter(pk__in={e.unit.pk for e in entries})
        .values_list("pk", flat=True)
    )
    if any(e.unit.pk not in allowed or e.month != month for e in entries):
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
        summary = write_entries(entries, user=user)
        EntryDraft.objects.filter(unit=unit, program=program, month=month).delete()
    return summary


def save_draft(
    *, user: User, unit: Unit, program: Program, month: datetime.date, data: dict[str, str]
) -> EntryDraft:
    """Keeps what was typed, valid or not: nothing is checked until the month is saved."""
    ensure_can_enter(user, unit, program, month)
    draft, _created = EntryDraft.objects.update_or_create(
        unit=unit, program=program, month=month, defaults={"data": data, "saved_by": user}
    )
    return draft
