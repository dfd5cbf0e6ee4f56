"""Review states for the demo: every month since the 2025 reform approved by the province, and
the month just ended in every state a reviewer meets (sent on time, sent late once its due day
has passed, saved but not sent, returned with a comment, approved), so that the review pages
and the officers' reminders have something to show. The demo officer's commune (the first of its
province) has its month of CTH returned, so `xa.<province>` sees "returned to you" on their
home page.

Every event is dated relative to the moment the demo is loaded and none after it, so that a
reviewer's or an officer's own actions are the newest on the timeline.

Deterministic (by position in the province's list of communes) and idempotent: a month that
already has a review state is left as it is.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from common.periods import add_months, month_start, months_between
from indicators.cycle.review import due_date
from indicators.models import Submission, SubmissionEvent, SubmissionState
from members.gazetteer import REFORM_DATE
from members.models import Level, Unit
from programs.models import Program

Action = SubmissionEvent.Action
RETURN_COMMENT = (
    "Chỉ tiêu H-01 chưa khớp với sổ theo dõi của chi hội; đề nghị kiểm tra lại và gửi lại."
)
# The month just ended, by the commune's position in its province (position 0 is returned).
LAST_MONTH_STATES = ["approved", "on_time", "late", "draft", "on_time", "approved"]


@dataclass(frozen=True)
class DemoReviewers:
    province: Unit
    reviewer: User | None
    officer: User | None


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _plan(position: int, month: datetime.date, last_month: datetime.date, code: str) -> str:
    if month < last_month:
        return "approved"
    if position == 0:
        return "returned" if code == "CTH" else "draft"
    return LAST_MONTH_STATES[position % len(LAST_MONTH_STATES)]


@dataclass(frozen=True)
class MonthPlan:
    """What the demo writes for one month: its plan (a "late" month not yet possible becomes a
    draft), when it was sent (None for a draft) and its timeline, every event at or before now."""

    plan: str
    sent: datetime.datetime | None
    timeline: list[tuple[Action, datetime.datetime]]


def plan_month(
    program: Program, month: datetime.date, plan: str, now: datetime.datetime
) -> MonthPlan:
    """The month's timeline (action, when): opened on the first day after the month, sent 2 days
    before the due day, or 3 days after it when late, approved or returned 2 days after. Dated
    relative to `now`, never after it: events that would fall in the future are spread between
    the last past one and now, in the same order; a month cannot be late before its due day has
    passed (a day ago at least), so such a month is still a draft."""
    due = due_date(program, month)
    today = timezone.localtime(now).date()
    if plan == "late" and today < due + datetime.timedelta(days=2):
        plan = "draft"
    sent = _at(due + datetime.timedelta(days=3 if plan == "late" else -2), 9)
    timeline: list[tuple[Action, datetime.datetime]] = [(Action.IMPORT, _at(month_start(due), 8))]
    if plan != "draft":
        timeline.append((Action.SUBMIT, sent))
    if plan in ("approved", "returned"):
        reviewed = sent + datetime.timedelta(days=2)
        timeline.append((Action.APPROVE if plan == "approved" else Action.RETURN, reviewed))
    # A late month's submission stays after its due day when it is moved.
    floor = _at(due + datetime.timedelta(days=1), 0) if plan == "late" else None
    timeline = _in_the_past(timeline, now, floor)
    sent_at = next((at for action, at in timeline if action == Action.SUBMIT), None)
    return MonthPlan(plan, sent_at, timeline)


def _in_the_past(
    timeline: list[tuple[Action, datetime.datetime]],
    now: datetime.datetime,
    floor: datetime.datetime | None,
) -> list[tuple[Action, datetime.datetime]]:
    future = [n for n, (_action, at) in enumerate(timeline) if at > now]
    if not future:
        return timeline
    first = future[0]
    end = now - datetime.timedelta(minutes=5)
    if first:
        start = timeline[first - 1][1]
    else:
        start = min(timeline[0][1], now - datetime.timedelta(hours=3))
    if floor is not None:
        start = max(start, floor)
    moved = len(timeline) - first
    if start >= end:
        start = end - datetime.timedelta(minutes=moved)
    step = (end - start) / moved
    return timeline[:first] + [
        (action, start + step * (n + 1)) for n, (action, _at) in enumerate(timeline[first:])
    ]


def _submission(
    commune: Unit, program: Program, month: datetime.date, plan: str, now: datetime.datetime
) -> tuple[Submission, list[tuple[Action, datetime.datetime]]]:
    """The month's row and its timeline (see plan_month)."""
    planned = plan_month(program, month, plan, now)
    state = {
        "approved": SubmissionState.APPROVED,
        "returned": SubmissionState.RETURNED,
        "draft": SubmissionState.DRAFT,
    }.get(planned.plan, SubmissionState.SUBMITTED)
    row = Submission(
        unit=commune, program=program, month=month, state=state, version=1,
        submitted_at=planned.sent, first_submitted_at=planned.sent,
    )  # fmt: skip
    return row, planned.timeline


def add_demo_review_states(
    people: Sequence[DemoReviewers],
    last_month: datetime.date,
    now: datetime.datetime | None = None,
) -> int:
    now = now or timezone.now()
    first = month_start(REFORM_DATE)
    months = [add_months(first, n) for n in range(months_between(first, last_month))]
    programs = list(Program.objects.order_by("code"))
    created = 0
    for who in people:
        communes = list(
            Unit.objects.filter(parent=who.province, level=Level.COMMUNE).current().order_by("path")
        )
        existing = set(
            Submission.objects.filter(unit__in=communes).values_list(
                "unit_id", "program_id", "month"
            )
        )
        rows, timelines = [], []
        for position, commune in enumerate(communes):
            for program in programs:
                for month in months:
                    if not program.start_year <= month.year <= program.end_year:
                        continue
                    if (commune.pk, program.pk, month) in existing:
                        continue
                    plan = _plan(position, month, last_month, program.code)
                    row, timeline = _submission(commune, program, month, plan, now)
                    rows.append(row)
                    # The demo officer sends their own commune's months.
                    timelines.append((timeline, who.officer if position == 0 else None))
        saved = Submission.objects.bulk_create(rows, batch_size=2000)
        SubmissionEvent.objects.bulk_create(_events(saved, timelines, who), batch_size=2000)
        created += len(saved)
    return created


def _events(
    saved: list[Submission],
    timelines: list[tuple[list[tuple[Action, datetime.datetime]], User | None]],
    who: DemoReviewers,
) -> list[SubmissionEvent]:
    events = []
    for submission, (timeline, sender) in zip(saved, timelines, strict=True):
        state = SubmissionState.DRAFT
        for action, at in timeline:
            state = {
                Action.SUBMIT: SubmissionState.SUBMITTED,
                Action.APPROVE: SubmissionState.APPROVED,
                Action.RETURN: SubmissionState.RETURNED,
            }.get(action, state)
            reviewing = action in (Action.APPROVE, Action.RETURN)
            events.append(
                SubmissionEvent(
                    submission=submission,
                    action=action,
                    at=at,
                    state_after=state,
                    version=1,
                    actor=who.reviewer if reviewing else sender,
                    comment=RETURN_COMMENT if action == Action.RETURN else "",
                )
            )
    return events
