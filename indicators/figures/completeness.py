"""Who has reported a month: each commune's review status, and completeness and timeliness
counted up the hierarchy like an indicator (a district's counts are its communes', a province's
the sum of its districts').

- expected: the communes valid in the month under the unit (each holds one month form);
- complete: those whose month is submitted or approved (a returned month is back with the unit);
- on time: those complete whose first submission came by the program's due day;
- completeness = complete / expected, timeliness = on time / expected (DHIS2's "reporting rate"
  and "reporting rate on time").
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.cycle.review import due_date, is_late
from indicators.models import Submission, SubmissionState
from members.models import PATH_SEP, Level, Unit
from programs.models import Program

HUNDRED = Decimal(100)


class MonthStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa nhập")
    DRAFT = "draft", _("Đang nhập")
    RETURNED = "returned", _("Bị trả lại")
    ON_TIME = "on_time", _("Đã gửi đúng hạn")
    LATE = "late", _("Đã gửi muộn")
    APPROVED = "approved", _("Đã duyệt")


COMPLETE = {MonthStatus.ON_TIME, MonthStatus.LATE, MonthStatus.APPROVED}


def month_status(submission: Submission | None) -> MonthStatus:
    if submission is None or (
        submission.state == SubmissionState.DRAFT and submission.version == 0
    ):
        return MonthStatus.NOT_STARTED
    if submission.state == SubmissionState.SUBMITTED:
        return MonthStatus.LATE if is_late(submission) else MonthStatus.ON_TIME
    return MonthStatus(submission.state)


def _share(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (HUNDRED * part / whole).quantize(Decimal("0.1"))


@dataclass
class Counts:
    expected: int = 0
    on_time: int = 0
    by_status: Counter[str] = field(default_factory=Counter)

    def add(self, submission: Submission | None) -> MonthStatus:
        status = month_status(submission)
        self.expected += 1
        self.by_status[status] += 1
        if status in COMPLETE and submission is not None and not is_late(submission):
            self.on_time += 1
        return status

    def add_missing(self, communes: int) -> None:
        """Communes with no submission row at all: not started."""
        self.expected += communes
        self.by_status[MonthStatus.NOT_STARTED] += communes

    def merge(self, other: Counts) -> None:
        self.expected += other.expected
        self.on_time += other.on_time
        self.by_status.update(other.by_status)

    @property
    def complete(self) -> int:
        return sum(self.by_status[s] for s in COMPLETE)

    @property
    def completeness(self) -> Decimal | None:
        return _share(self.complete, self.expected)

    @property
    def timeliness(self) -> Decimal | None:
        return _share(self.on_time, self.expected)

    def of(self, status: str) -> int:
        return self.by_status[status]

    def present(self) -> list[tuple[MonthStatus, int]]:
        """The statuses found, in the order of the workflow (templates cannot read a Counter:
        `counter.items` there looks up the key "items")."""
        return [(s, self.by_status[s]) for s in MonthStatus if self.by_status[s]]


@dataclass
class Row:
    """A child of the unit under review: a commune with its month, or a unit above communes
    with the counts of its communes."""

    unit: Unit
    counts: Counts
    submission: Submission | None = None
    status: MonthStatus | None = None

    @property
    def is_commune(self) -> bool:
        return self.unit.level == Level.COMMUNE


@dataclass
class Overview:
    unit: Unit
    program: Program
    month: datetime.date
    due: datetime.date
    rows: list[Row]
    total: Counts

    @property
    def days_to_due(self) -> int:
        return (self.due - timezone.localdate()).days


def _communes(unit: Unit, month: datetime.date) -> list[Unit]:
    return list(Unit.objects.subtree(unit).at_level(Level.COMMUNE).valid_on(month).order_by("path"))


def _submissions(
    communes: list[Unit], program: Program, month: datetime.date
) -> dict[int, Submission]:
    rows = Submission.objects.filter(
        unit__in=[c.pk for c in communes], program=program, month=month
    )
    by_unit = {s.unit_id: s for s in rows}
    for submission in by_unit.values():
        submission.program = program  # is_late reads the due day from it: the one in hand
    return by_unit


def _child_id(commune: Unit, unit: Unit) -> int:
    """The id of `unit`'s child on the commune's path (the commune itself if a direct child)."""
    return int(commune.path.strip(PATH_SEP).split(PATH_SEP)[unit.depth + 1])


def _children(unit: Unit, month: datetime.date, communes: list[Unit]) -> dict[int, Unit]:
    """The unit's children valid in the month that hold its communes, by id: a commune right
    under the unit is its own (no query when all are, as under a province after 2025-07)."""
    children = {c.pk: c for c in communes if c.parent_id == unit.pk}
    above = {_child_id(c, unit) for c in communes} - children.keys()
    if above:
        children |= {
            c.pk: c for c in Unit.objects.filter(parent=unit, pk__in=above).valid_on(month)
        }
    return children


def overview(unit: Unit, program: Program, month: datetime.date) -> Overview:
    """The month's status under `unit`, one row per child (two or three queries whatever the
    size)."""
    communes = _communes(unit, month)
    submissions = _submissions(communes, program, month)
    total = Counts()
    if unit.level == Level.COMMUNE:
        status = total.add(submissions.get(unit.pk))
        rows = [Row(unit, total, submissions.get(unit.pk), status)]
        return Overview(unit, program, month, due_date(program, month), rows, total)
    rows_by_child: dict[int, Row] = {}
    children = _children(unit, month, communes)
    for commune in communes:
        child_id = _child_id(commune, unit)
        row = rows_by_child.setdefault(child_id, Row(children.get(child_id, commune), Counts()))
        status = row.counts.add(submissions.get(commune.pk))
        if commune.pk == child_id:
            row.submission, row.status = submissions.get(commune.pk), status
    for row in rows_by_child.values():
        total.merge(row.counts)
    rows = sorted(rows_by_child.values(), key=lambda r: r.unit.name)
    return Overview(unit, program, month, due_date(program, month), rows, total)


def counts_for(unit: Unit, program: Program, month: datetime.date) -> Counts:
    """Completeness and timeliness of one unit's subtree for a month: the same totals as
    overview(), without loading the communes (a national dashboard has 3,300 of them)."""
    communes = Unit.objects.subtree(unit).at_level(Level.COMMUNE).valid_on(month)
    submissions = Submission.objects.filter(
        unit__in=communes.values("pk"), program=program, month=month
    ).only("state", "version", "month", "submitted_at", "first_submitted_at")
    total = Counts()
    for submission in submissions:
        submission.program = program  # is_late reads the due day from it
        total.add(submission)
    total.add_missing(communes.count() - total.expected)
    return total
