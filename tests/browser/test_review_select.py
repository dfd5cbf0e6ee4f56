"""Browser path (issue 18): the reviewer selects every unit sent on time, then all, sees the
count of what is selected, and approves them in one go."""

import datetime

import pytest
from django.utils import timezone

from common.periods import add_months, previous_month
from indicators.cycle.review import due_date
from indicators.models import Submission, SubmissionState
from programs.models import Program
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(khanh_hoa, catalog) -> dict[str, str]:
    # Made before the browser starts (see tests/browser/test_login.py).
    program = Program.objects.get(code="CTH")
    month = previous_month()
    due = due_date(program, month)
    for unit, day in ((khanh_hoa.ba_ngoi, due - datetime.timedelta(days=1)),
                      (khanh_hoa.nha_trang, due + datetime.timedelta(days=2))):  # fmt: skip
        sent = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        Submission.objects.create(
            unit=unit, program=program, month=month, state=SubmissionState.SUBMITTED,
            version=1, submitted_at=sent, first_submitted_at=sent,
        )  # fmt: skip
    assert add_months(month, 1) <= timezone.localdate()
    return {"reviewer": khanh_hoa.province_reviewer.username}


def test_select_on_time_then_all_and_approve(people, live_server, browser):
    reviewer = browser.new_context(locale="vi-VN").new_page()
    log_in(reviewer, live_server.url, people["reviewer"])
    reviewer.goto(f"{live_server.url}/duyet/?program=CTH")
    count = reviewer.locator("#selected-count")
    assert count.inner_text() == "Đã chọn: 0/2"

    reviewer.click("#select-on-time")
    assert count.inner_text() == "Đã chọn: 1/2"
    assert reviewer.locator("tr[data-unit='22735'] input[type=checkbox]").is_checked()
    assert not reviewer.locator("tr[data-unit='22333'] input[type=checkbox]").is_checked()

    reviewer.check("#select-all")
    assert count.inner_text() == "Đã chọn: 2/2"
    reviewer.click("text=Duyệt các đơn vị đã chọn")

    assert "Đã duyệt 2 đơn vị" in reviewer.locator(".messages").inner_text()
    states = set(Submission.objects.values_list("state", flat=True))
    assert states == {SubmissionState.APPROVED}
