"""Browser path: a commune officer fills the month with the keyboard, sees a check fail as they
type, corrects it, saves, and the province's figure changes."""

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


def test_officer_fills_the_month_and_the_province_figure_changes(people, live_server, browser):
    officer = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}).new_page()
    log_in(officer, live_server.url, people["officer"])
    officer.click("text=Nhập số liệu")
    officer.wait_for_selector("#entry-form")

    total = entry_field(officer, "H-11")
    total.click()
    officer.keyboard.type("10")
    officer.keyboard.press("Tab")  # to H-12, "of which: women over 35"
    officer.keyboard.type("12")
    breakdown = entry_field(officer, "H-12")
    message = officer.locator(f"#msg-{breakdown.get_attribute('name')}")
    assert "lớn hơn tổng H-11" in message.inner_text()
    assert breakdown.get_attribute("aria-invalid") == "true"

    officer.keyboard.press("Control+A")
    officer.keyboard.type("8")
    assert message.inner_text() == ""
    officer.keyboard.press("Enter")

    officer.wait_for_selector(".messages .success")
    assert "Đã lưu số liệu tháng" in officer.locator(".messages").inner_text()
    assert entry_field(officer, "H-11").input_value() == "10"

    reviewer = browser.new_context(locale="vi-VN").new_page()
    log_in(reviewer, live_server.url, people["reviewer"])
    row = reviewer.locator("#figures tr[data-indicator='H-11']")
    assert row.locator(".value").inner_text() == "10"
