"""Browser path of the review cycle: the officer submits, the reviewer returns it with a
comment, the officer sees it on their home page, fixes and resubmits, the reviewer approves it
from the month's overview, and the field is then read-only."""

import re

import pytest

from tests.browser.helpers import entry_field, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(khanh_hoa, catalog) -> dict[str, str]:
    # Made before the browser starts (see tests/browser/test_login.py).
    return {
        "officer": khanh_hoa.commune_officer.username,
        "reviewer": khanh_hoa.province_reviewer.username,
    }


def test_submit_return_fix_resubmit_approve(people, live_server, browser):
    officer = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}).new_page()
    log_in(officer, live_server.url, people["officer"])
    officer.click("text=Nhập số liệu")
    entry_field(officer, "H-01").fill("3")
    officer.click("#save-submit")
    assert officer.locator("#month-state").inner_text().startswith("Đã gửi duyệt")
    month_url = officer.url

    reviewer = browser.new_context(locale="vi-VN").new_page()
    log_in(reviewer, live_server.url, people["reviewer"])
    reviewer.goto(month_url)
    reviewer.fill("#return-comment", "H-01 còn thiếu 2 hộ ở thôn 1")
    reviewer.click("button[value=return]")
    assert reviewer.locator("#month-state").inner_text().startswith("Bị trả lại")

    officer.goto(live_server.url + "/")  # home page: "returned to you", with the comment
    reminder = officer.locator("#reminders .reminder-returned")
    assert "H-01 còn thiếu 2 hộ ở thôn 1" in reminder.inner_text()
    reminder.locator("a").click()
    assert "H-01 còn thiếu 2 hộ ở thôn 1" in officer.locator("#timeline").inner_text()
    entry_field(officer, "H-01").fill("5")
    officer.click("#save-submit")
    assert officer.locator("#month-state").inner_text().startswith("Đã gửi duyệt")

    # The reviewer approves from the province's overview of the month (bulk review).
    reviewer.click("text=Duyệt số liệu")
    row = reviewer.locator("tr[data-unit='22735']")
    # On time or late depends on today's date (the month just ended is due on the 5th).
    assert re.search("Đã gửi (đúng hạn|muộn)", row.inner_text())
    row.locator("input[type=checkbox]").check()
    reviewer.click("text=Duyệt các đơn vị đã chọn")
    assert "Đã duyệt" in reviewer.locator("tr[data-unit='22735']").inner_text()
    assert reviewer.locator("#completeness").inner_text() == "50,0%"  # Ba Ngòi of 2 communes

    officer.reload()
    field = entry_field(officer, "H-01")
    assert field.input_value() == "5" and field.is_disabled()
    assert officer.locator("#save-submit").count() == 0
