"""The review of a month: draft -> submitted -> approved, or returned (with a comment) -> draft.

Who may do what (decided in accounts/access.py, by place in the hierarchy):
- the unit's data-entry users (entry/admin roles on the unit or above) save and submit;
- its reviewers (reviewer/admin roles assigned to the unit's parent: the district before
  2025-07, the province after) approve, return with a comment, and unlock an approved month
  with a reason. Submitted and approved months are locked against every write.
Every transition and every write is an event on the month's timeline.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import batched

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import User
from common.periods import add_months
from indicators.models import Indicator, Submission, SubmissionEvent, SubmissionState
from members.models import Level, Unit
from programs.models import Program

Action = SubmissionEvent.Action
LOCKED = {SubmissionState.SUBMITTED, SubmissionState.APPROVED}


class ReviewError(Exception):
    """A transition this user may not make now; the message says why, in Vietnamese."""


def reporting_unit(unit: Unit) -> Unit:
    """The unit whose month form holds this unit's figures: a branch reports with its commune."""
    if unit.level in (Level.BRANCH, Level.GROUP) and unit.parent is not None:
        return reporting_unit(unit.parent)
    return unit


def due_date(program: Program, month: datetime.date) -> datetime.date:
    return add_months(month, 1).replace(day=program.due_day)


def is_late(submission: Submission) -> bool:
    """Whether the month's first submission came after the due day."""
    first = submission.first_submitted_at or submission.submitted_at
    if first is None:
        return False
    return timezone.localtime(first).date() > due_date(submission.program, submission.month)


def submission_for(unit: Unit, program: Program, month: datetime.date) -> Submission:
    submission, _created = Submission.objects.get_or_create(unit=unit, program=program, month=month)
    return submission


def _event(
    submission: Submission, action: str, user: User | None, comment: str = ""
) -> SubmissionEvent:
    return SubmissionEvent(
        submission=submission,
        action=action,
        actor=user,
        comment=comment,
        state_after=submission.state,
        version=submission.version,
    )


def _record(
    submission: Submission, action: str, user: User | None, comment: str = ""
) -> SubmissionEvent:
    event = _event(submission, action, user, comment)
    event.save()
    return event


def _locked(pk: int) -> Submission:
    return Submission.objects.select_for_update().select_related("unit", "program").get(pk=pk)


def _move(
    submission: Submission,
    *,
    allowed_from: set[str],
    to: str,
    action: str,
    user: User,
    comment: str = "",
) -> Submission:
    return _apply(_locked(submission.pk), allowed_from, to, action, user, comment)


def _apply(
    current: Submission, allowed_from: set[str], to: str, action: str, user: User, comment: str
) -> Submission:
    """The move on a month form read and locked in this transaction: checked, changed,
    written and recorded."""
    _check_state(current, allowed_from, action)
    _change(current, to, action)
    current.save(update_fields=CHANGED_FIELDS)  # locked: nothing else of the row moved
    _record(current, action, user, comment)
    return current


def _check_state(current: Submission, allowed_from: set[str], action: str) -> None:
    if current.state not in allowed_from:
        raise ReviewError(
            _("Không thể %(action)s: báo cáo tháng đang ở trạng thái «%(state)s».")
            % {
                "action": Action(action).label.lower(),
                "state": SubmissionState(current.state).label,
            }
        )


def _change(current: Submission, to: str, action: str) -> None:
    current.state = to
    if action == Action.SUBMIT:
        current.submitted_at = timezone.now()
        current.first_submitted_at = current.first_submitted_at or current.submitted_at
    if action == Action.APPROVE:
        current.unlocked = False
    if action == Action.UNLOCK:
        current.unlocked = True


# Every field _change may write: the moves made many at a time write them in one UPDATE.
CHANGED_FIELDS = ["state", "submitted_at", "first_submitted_at", "unlocked"]


def _move_many(
    submissions: Sequence[Submission],
    *,
    allowed_from: set[str],
    to: str,
    action: str,
    user: User,
    comment: str = "",
) -> list[Submission]:
    """_move for each month, or for none (the error names the unit): a reviewer's bulk approve
    or return, in one query to lock them (by id, one order for every reviewer), one to write
    them and one for their events, rather than five a month. Each is checked as `approve` or
    `return_to_unit` checks one, in the order given."""
    locked = {
        s.pk: s
        for s in Submission.objects.select_for_update()
        .select_related("unit", "program")
        .filter(pk__in=[s.pk for s in submissions])
        .order_by("pk")
    }
    moved = []
    for submission in submissions:
        try:
            _ensure_reviewer(user, submission)
            current = locked[submission.pk]
            _check_state(current, allowed_from, action)
        except ReviewError as exc:
            raise ReviewError(f"{submission.unit}: {exc}") from exc
        _change(current, to, action)
        moved.append(current)
    Submission.objects.bulk_update(moved, CHANGED_FIELDS)
    SubmissionEvent.objects.bulk_create([_event(s, action, user, comment) for s in moved])
    return moved


EDITABLE: set[str] = {SubmissionState.DRAFT, SubmissionState.RETURNED}


def _ensure_can_submit(user: User, unit: Unit) -> None:
    if not access.can_enter(user, unit):
        raise ReviewError(_("Bạn không được gửi báo cáo của đơn vị này."))


@transaction.atomic
def submit(*, user: User, submission: Submission) -> Submission:
    _ensure_can_submit(user, submission.unit)
    return _move(
        submission, allowed_from=EDITABLE, to=SubmissionState.SUBMITTED, action=Action.SUBMIT,
        user=user,
    )  # fmt: skip


@transaction.atomic
def submit_month(*, user: User, unit: Unit, program: Program, month: datetime.date) -> Submission:
    """`submit` of the unit's month form (made if there is none yet, as `submission_for`
    does), read and locked in one query rather than read, then read again to lock."""
    _ensure_can_submit(user, unit)
    current, _created = Submission.objects.select_for_update().get_or_create(
        unit=unit, program=program, month=month
    )
    current.unit, current.program = unit, program  # the same rows, not read again
    return _apply(current, EDITABLE, SubmissionState.SUBMITTED, Action.SUBMIT, user, "")


def _ensure_reviewer(user: User, submission: Submission) -> None:
    if not access.can_review(user, submission.unit):
        raise ReviewError(
            _("Chỉ cán bộ duyệt của %(parent)s mới duyệt được báo cáo của %(unit)s.")
            % {"parent": submission.unit.parent or "-", "unit": submission.unit}
        )


@transaction.atomic
def approve(*, user: User, submission: Submission) -> Submission:
    _ensure_reviewer(user, submission)
    return _move(
        submission, allowed_from={SubmissionState.SUBMITTED}, to=SubmissionState.APPROVED,
        action=Action.APPROVE, user=user,
    )  # fmt: skip


def _need_text(text: str, message: str) -> str:
    if not text.strip():
        raise ReviewError(message)
    return text.strip()


@transaction.atomic
def return_to_unit(*, user: User, submission: Submission, comment: str) -> Submission:
    _ensure_reviewer(user, submission)
    comment = _need_text(comment, _("Trả lại cần ghi rõ lý do để đơn vị sửa."))
    return _move(
        submission, allowed_from={SubmissionState.SUBMITTED}, to=SubmissionState.RETURNED,
        action=Action.RETURN, user=user, comment=comment,
    )  # fmt: skip


@transaction.atomic
def unlock(*, user: User, submission: Submission, reason: str) -> Submission:
    _ensure_reviewer(user, submission)
    reason = _need_text(reason, _("Mở khóa cần ghi rõ lý do."))
    return _move(
        submission, allowed_from={SubmissionState.APPROVED}, to=SubmissionState.DRAFT,
        action=Action.UNLOCK, user=user, comment=reason,
    )  # fmt: skip


@transaction.atomic
def approve_many(*, user: User, submissions: Iterable[Submission]) -> list[Submission]:
    """Approves all of them, or none if any one cannot be approved (the error names it)."""
    return _move_many(
        list(submissions), allowed_from={SubmissionState.SUBMITTED}, to=SubmissionState.APPROVED,
        action=Action.APPROVE, user=user,
    )  # fmt: skip


@transaction.atomic
def return_many(*, user: User, submissions: Iterable[Submission], comment: str) -> list[Submission]:
    """Returns all of them with the same comment, or none (the error names the unit)."""
    comment = _need_text(comment, _("Trả lại cần ghi rõ lý do để đơn vị sửa."))
    return _move_many(
        list(submissions), allowed_from={SubmissionState.SUBMITTED}, to=SubmissionState.RETURNED,
        action=Action.RETURN, user=user, comment=comment,
    )  # fmt: skip


@dataclass(frozen=True)
class FormKey:
    unit_id: int
    program_id: int
    month: datetime.date


def form_key(unit: Unit, indicator: Indicator, month: datetime.date) -> FormKey:
    return FormKey(reporting_unit(unit).pk, indicator.program_id, month)


# Month forms the caller holds, read with select_for_update in the transaction that writes
# (None: no submission yet), so that the write need not read them again.
Held = Mapping[FormKey, Submission | None]


def locked_forms(keys: set[FormKey], held: Held | None = None) -> dict[FormKey, Submission]:
    """The submissions among `keys` that are locked (submitted or approved); the `held` ones
    as they were read."""
    held = held or {}
    found = {k: s for k, s in held.items() if k in keys and s is not None and s.state in LOCKED}
    keys = keys - set(held)
    if not keys:
        return found
    rows = Submission.objects.filter(
        unit__in={k.unit_id for k in keys},
        program__in={k.program_id for k in keys},
        month__in={k.month for k in keys},
        state__in=LOCKED,
    ).select_related("unit", "program")
    read = {FormKey(s.unit_id, s.program_id, s.month): s for s in rows}
    return found | {k: s for k, s in read.items() if k in keys}


def record_writes(
    keys: set[FormKey], *, user: User | None, action: str, held: Held | None = None
) -> None:
    """After figures were written: each month's version goes up and its timeline says so; a
    returned month the officer edits is a draft again."""
    for key in sorted(keys, key=lambda k: (k.unit_id, k.program_id, k.month)):
        submission = (held or {}).get(key)
        if submission is None:
            submission, _created = Submission.objects.select_for_update().get_or_create(
                unit_id=key.unit_id, program_id=key.program_id, month=key.month
            )
        submission.version += 1
        if submission.state == SubmissionState.RETURNED:
            submission.state = SubmissionState.DRAFT
        submission.save(update_fields=["version", "state"])  # the row is locked: the rest holds
        _record(submission, action, user)


def change_source(keys: Sequence[FormKey], default: str, held: Held | None = None) -> str:
    """'unlock' for writes to a month reopened after approval, else the way in (form/import);
    when every one of `keys` is `held`, read from those."""
    if held is not None and all(k in held for k in keys):
        unlocked = any(s.unlocked for k in keys if (s := held[k]) is not None)
        return "unlock" if unlocked else default
    unlocked = Submission.objects.filter(
        unit__in={k.unit_id for k in keys},
        program__in={k.program_id for k in keys},
        month__in={k.month for k in keys},
        unlocked=True,
    ).exists()
    return "unlock" if unlocked else default


def record_many_writes(keys: set[FormKey], *, user: User | None, action: str) -> None:
    """`record_writes` for a whole file's months at once: the same versions, states and
    timeline events in a few bulk queries instead of three per month."""
    if not keys:
        return
    filters = {
        "unit__in": {k.unit_id for k in keys},
        "program__in": {k.program_id for k in keys},
        "month__in": {k.month for k in keys},
    }
    existing = {
        FormKey(s.unit_id, s.program_id, s.month)
        for s in Submission.objects.filter(**filters).only("unit", "program", "month")
    }
    Submission.objects.bulk_create(
        [Submission(unit_id=k.unit_id, program_id=k.program_id, month=k.month)
         for k in keys - existing],
        batch_size=2000,
    )  # fmt: skip
    submissions = [
        s
        for s in Submission.objects.select_for_update().filter(**filters)
        if FormKey(s.unit_id, s.program_id, s.month) in keys
    ]
    # One UPDATE per 5,000 months (bulk_update's CASE per row is far slower); the rows are
    # locked, so the versions and states computed here are the ones written.
    for batch in batched([s.pk for s in submissions], 5000):
        Submission.objects.filter(pk__in=batch).update(
            version=F("version") + 1,
            state=Case(
                When(state=SubmissionState.RETURNED, then=Value(SubmissionState.DRAFT)),
                default=F("state"),
            ),
        )
    for submission in submissions:
        submission.version += 1
        if submission.state == SubmissionState.RETURNED:
            submission.state = SubmissionState.DRAFT
    SubmissionEvent.objects.bulk_create(
        [
            SubmissionEvent(
                submission=s, action=action, actor=user, state_after=s.state, version=s.version
            )
            for s in submissions
        ],
        batch_size=2000,
    )


@dataclass(frozen=True)
class ReturnNote:
    """The reviewer's comment the unit still has to act on, and the indicators it names."""

    event: SubmissionEvent
    codes: frozenset[str]


def return_note(
    events: Sequence[SubmissionEvent], indicators: Iterable[Indicator]
) -> ReturnNote | None:
    """The month's latest return, while the unit has not sent the month again since (events
    in timeline order), with the codes of the indicators its comment names: by code ("H-11",
    any case) or by the indicator's full name."""
    note = None
    for event in events:
        if event.action == Action.RETURN:
            note = event
        elif event.action in (Action.SUBMIT, Action.APPROVE):
            note = None
    if note is None:
        return None
    text = note.comment.casefold()
    named = frozenset(
        ind.code
        for ind in indicators
        if re.search(rf"(?<![\w-]){re.escape(ind.code.casefold())}(?![\w-])", text)
        or (ind.name_vi and ind.name_vi.casefold() in text)
    )
    return ReturnNote(note, named)
