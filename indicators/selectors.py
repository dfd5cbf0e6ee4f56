import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Count, Max, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import User
from common.numbers import format_number
from common.periods import add_months, month_start
from indicators.cycle import review
from indicators.figures.completeness import COMPLETE, month_status
from indicators.figures.engine import Figure, figures_of_unit
from indicators.models import (  # type: ignore[attr-defined]  # simple_history's model
    HistoricalResult,
    Indicator,
    Submission,
    SubmissionEvent,
    SubmissionState,
    Target,
)
from members.models import Level, Unit
from programs.models import Program


def programs_with_indicators() -> QuerySet[Program]:
    """Programs with their indicators in catalogue order, in two queries, each indicator with
    what the engine reads of it (program_indicators)."""
    indicators = Indicator.objects.select_related("source__program", "part_of").order_by("position")
    return Program.objects.order_by("code").prefetch_related(
        Prefetch("indicators", queryset=indicators)
    )


def targets_for_units(units: QuerySet[Unit]) -> QuerySet[Target]:
    return Target.objects.filter(unit__in=units).select_related("indicator", "unit")


def program_indicators(program: Program) -> list[Indicator]:
    """A program's indicators in catalogue order, with what the engine reads of them."""
    return list(
        Indicator.objects.filter(program=program)
        .select_related("program", "source", "source__program")
        .order_by("position", "pk")
    )


def unit_figures(
    unit: Unit, indicators: list[Indicator], start: datetime.date, end: datetime.date
) -> list[tuple[Indicator, Figure]]:
    """Each of a program's indicators (program_indicators) for a unit over a range, as the
    engine computes it."""
    return list(zip(indicators, figures_of_unit(indicators, unit, start, end), strict=True))


SOURCE_LABELS = {
    "form": _("nhập trên biểu mẫu"),
    "import": _("nạp từ tệp"),
    "unlock": _("sửa sau khi mở khóa"),
}


class Editor(NamedTuple):
    """Who made a change, as the history shows them."""

    pk: int
    username: str


class _Record(NamedTuple):
    """What the history shows of a version of a result (a plain row, not a history model with
    its unit, indicator and user: the form shows up to fifty on every load)."""

    id: int
    history_id: int
    history_date: datetime.datetime
    history_type: str
    history_change_reason: str | None
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    unit_id: int
    indicator_id: int
    history_user_id: int | None
    history_user__username: str | None


def value_history(
    unit: Unit,
    program: Program,
    month: datetime.date,
    *,
    since: datetime.datetime | None = None,
    limit: int = 50,
    children: Sequence[Unit] | None = None,
    indicators: Mapping[int, Indicator] | None = None,
) -> list[dict[str, Any]]:
    """The latest changes of a commune's month (its branches included), newest first.
    `children`: the commune's children (any day's), when already read; `indicators`: the
    program's indicators by id that the page has (any other is read)."""
    # By unit ids, not `unit=... OR unit__parent=...`: the OR through a join cannot use the
    # history's unit index and reads the whole history table.
    if children is None:
        children = list(Unit.objects.filter(parent=unit))
    units = {unit.pk: unit, **{c.pk: c for c in children}}
    # The history model's own manager: `Result.history` builds a manager class on each use
    # (simple_history's descriptor: inspect.getmembers of the queryset, ~0.3 ms).
    records = HistoricalResult.objects.filter(
        unit_id__in=list(units), indicator__program=program, month=month
    )
    if since is not None:
        records = records.filter(history_date__gt=since)
    rows = [
        _Record(*row)
        for row in records.order_by("-history_date", "-history_id").values_list(*_Record._fields)[
            :limit
        ]
    ]
    known = dict(indicators or {})
    missing = {r.indicator_id for r in rows} - set(known)
    if missing:
        known.update(Indicator.objects.in_bulk(list(missing)))
    previous = _previous_records(rows)
    return [
        {
            "at": record.history_date,
            "user": Editor(record.history_user_id, record.history_user__username)
            if record.history_user_id is not None and record.history_user__username is not None
            else None,
            "indicator": known[record.indicator_id],
            "unit": units[record.unit_id],
            "before": show_record(previous.get(record.history_id))
            if record.history_type != "+"
            else "–",
            "after": "–" if record.history_type == "-" else show_record(record),
            "source": SOURCE_LABELS.get(record.history_change_reason or "", ""),
        }
        for record in rows
    ]


class _Version(NamedTuple):
    """What show_record reads of an earlier version of a result."""

    id: int
    history_date: datetime.datetime
    history_id: int
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None


def _previous_records(records: Sequence[_Record]) -> dict[int, _Version | None]:
    """Each record's previous version of the same result, in one query (`prev_record` would
    ask once per line); the versions as plain rows, not history models (a result edited on
    each save of the month has many)."""
    if not records:
        return {}
    ids = {r.id for r in records}
    earlier = (
        HistoricalResult.objects.filter(id__in=ids)
        .order_by("id", "history_date", "history_id")
        .values_list(*_Version._fields)
    )
    # In each result's order of versions, the one before each (the records are among them).
    before: dict[int, _Version | None] = {}
    last: dict[int, _Version] = {}
    for row in earlier:
        version = _Version(*row)
        before[version.history_id] = last.get(version.id)
        last[version.id] = version
    return {record.history_id: before.get(record.history_id) for record in records}


def show_record(record: Any) -> str:
    if record is None:
        return "–"
    if record.numerator is not None:
        return f"{format_number(record.numerator)}/{format_number(record.denominator)}"
    return format_number(record.value, 2)


@dataclass(frozen=True)
class Reminder:
    """Something on a user's home page: a month returned to them, a due day, months to review."""

    kind: str  # "returned", "due", "overdue" or "to_review"
    unit: Unit
    program: Program
    month: datetime.date
    days: int = 0
    comment: str = ""
    count: int = 0

    @property
    def overdue_days(self) -> int:
        return -self.days


def _reporting_units(user: User) -> list[Unit]:
    """The communes this user enters figures for (a branch officer's is their commune)."""
    if access.Action.ENTER not in access.actions_anywhere(user):
        return []  # no role that enters (from the request's assignments, no query)
    assigned = access.held_for(user, access.Action.ENTER)
    if assigned is None or any(a.unit.level in (Level.BRANCH, Level.GROUP) for a in assigned):
        # A branch reports with its commune: read with the parents it walks up.
        assigned = list(
            access.assignments_for(user, access.Action.ENTER).select_related("unit__parent__parent")
        )
    units = {
        review.reporting_unit(a.unit).pk: review.reporting_unit(a.unit)
        for a in assigned
        if a.unit.level in (Level.COMMUNE, Level.BRANCH, Level.GROUP)
    }
    return sorted(units.values(), key=lambda u: u.name)


Months = dict[tuple[int, int, datetime.date], Submission]


def _report_months(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The months a due reminder is about: the month just ended, then the current one."""
    return add_months(month_start(today), -1), month_start(today)


def _submissions(
    units: list[Unit], programs: list[Program], today: datetime.date
) -> tuple[list[Reminder], Months]:
    """The units' returned months (reminders, oldest first, each with its last return's
    comment) and their submissions of the months `_due` looks at (each with its program at
    hand: whether it was late reads the program's due day), in one query; one more for the
    comments when some month is returned."""
    by_pk = {p.pk: p for p in programs}
    months = _report_months(today)
    rows = list(
        Submission.objects.filter(unit__in=units)
        .filter(Q(state=SubmissionState.RETURNED) | Q(program__in=programs, month__in=months))
        .select_related("unit", "program")
        .order_by("month")
    )
    returned = [s for s in rows if s.state == SubmissionState.RETURNED]
    returns = SubmissionEvent.objects.filter(action=SubmissionEvent.Action.RETURN)
    prefetch_related_objects(returned, Prefetch("events", queryset=returns, to_attr="returns"))
    reminders = []
    for submission in returned:
        events = submission.returns  # type: ignore[attr-defined]  # the Prefetch's to_attr
        event = events[-1] if events else None
        comment = event.comment if event else ""
        reminders.append(
            Reminder("returned", submission.unit, submission.program, submission.month, 0, comment)
        )
    found: Months = {}
    for submission in rows:
        if submission.program_id in by_pk and submission.month in months:
            submission.program = by_pk[submission.program_id]
            found[(submission.unit_id, submission.program_id, submission.month)] = submission
    return reminders, found


def _due(
    unit: Unit, program: Program, today: datetime.date, submissions: Months
) -> Reminder | None:
    """The month to report next: the month just ended until it is sent, then the current one."""
    for month in _report_months(today):
        if not program.start_year <= month.year <= program.end_year:
            continue
        status = month_status(submissions.get((unit.pk, program.pk, month)))
        if status in COMPLETE or status == "returned":
            continue
        days = (review.due_date(program, month) - today).days
        return Reminder("due" if days >= 0 else "overdue", unit, program, month, days)
    return None


def _to_review(user: User, programs: list[Program]) -> list[Reminder]:
    # By assignment even for a superuser: the nation's queue is not one person's reminder.
    if access.Action.REVIEW not in access.actions_anywhere(user):
        return []  # no role that reviews (from the request's assignments, no query)
    held = access.held_for(user, access.Action.REVIEW)
    # Inside a request the reviewed units are the request's assignments' own, already read.
    assigned = {a.unit_id: a.unit for a in held} if held is not None else None
    parent_ids = (
        list(assigned)
        if assigned is not None
        else access.assignments_for(user, access.Action.REVIEW).values("unit_id")
    )
    pending = Submission.objects.filter(
        state=SubmissionState.SUBMITTED, unit__parent_id__in=parent_ids
    )
    rows = (
        pending.values("unit__parent_id", "program_id")
        .annotate(n=Count("id"), latest=Max("month"))
        .order_by("unit__parent_id", "program_id")
    )
    units = assigned or Unit.objects.in_bulk([r["unit__parent_id"] for r in rows])
    by_pk = {p.pk: p for p in programs}
    return [
        Reminder(
            "to_review",
            units[r["unit__parent_id"]],
            by_pk[r["program_id"]],
            r["latest"],
            count=r["n"],
        )
        for r in rows
    ]


def reminders_for(
    user: User, today: datetime.date, programs: list[Program] | None = None
) -> list[Reminder]:
    """What needs this user's attention now, most urgent first (`programs`: every program by
    code, when the page has them already)."""
    units = _reporting_units(user)
    if programs is None:
        programs = list(Program.objects.order_by("code"))
    returned, submissions = _submissions(units, programs, today) if units else ([], {})
    due = [r for u in units for p in programs if (r := _due(u, p, today, submissions)) is not None]
    due.sort(key=lambda r: r.days)
    return returned + due + _to_review(user, programs)
