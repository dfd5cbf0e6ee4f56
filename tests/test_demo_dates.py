"""The demo's review states are dated relative to the day it is loaded, never after it (issue 18:
a demo loaded on 1 December wrote submissions on 3 and 8 December and a return on the 5th)."""

import datetime

import pytest
from django.utils import timezone

from common.periods import add_months, previous_month
from demo.review import LAST_MONTH_STATES, plan_month
from indicators.cycle.review import due_date, is_late
from indicators.models import Submission, SubmissionEvent
from programs.models import Program

Action = SubmissionEvent.Action
PLANS = sorted(set(LAST_MONTH_STATES) | {"returned"})


def _now(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))


@pytest.mark.parametrize("day", [1, 2, 5, 6, 7, 15, 28])
@pytest.mark.parametrize("hour", [0, 7, 10, 23])
def test_no_event_after_now_and_nothing_late_before_the_due_day(day: int, hour: int) -> None:
    program = Program(code="CTH", start_year=2021, end_year=2030, due_day=5)
    today = datetime.date(2026, 12, day)
    now = _now(today, hour)
    last = previous_month(today)
    for month in (add_months(last, -1), last):
        for plan in PLANS:
            planned = plan_month(program, month, plan, now)
            times = [at for _action, at in planned.timeline]
            assert all(at <= now for at in times), (plan, month, planned.timeline)
            assert times == sorted(times) and len(set(times)) == len(times)
            row = Submission(program=program, month=month, first_submitted_at=planned.sent)
            if today <= due_date(program, month):
                assert not is_late(row), (plan, month, planned)
            if planned.plan == "late":
                assert is_late(row)


def test_the_month_just_ended_is_sent_late_once_its_due_day_has_passed() -> None:
    program = Program(code="CTH", start_year=2021, end_year=2030, due_day=5)
    november = datetime.date(2026, 11, 1)

    early = plan_month(program, november, "late", _now(datetime.date(2026, 12, 1), 10))
    later = plan_month(program, november, "late", _now(datetime.date(2026, 12, 20), 10))

    assert (early.plan, early.sent) == ("draft", None)
    assert later.plan == "late" and timezone.localtime(later.sent).date() == datetime.date(
        2026, 12, 8
    )


def test_a_returned_month_on_the_first_is_returned_before_now() -> None:
    program = Program(code="CTH", start_year=2021, end_year=2030, due_day=5)
    now = _now(datetime.date(2026, 12, 1), 9)

    planned = plan_month(program, datetime.date(2026, 11, 1), "returned", now)

    assert [a for a, _at in planned.timeline] == [Action.IMPORT, Action.SUBMIT, Action.RETURN]
    assert planned.timeline[-1][1] <= now
