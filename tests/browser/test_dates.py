"""Browser path (issue 18): in an English browser the activity date and the dashboard's month
still read dd/mm/yyyy and mm/yyyy (a date picker followed the browser's language: 12/01/2026
for 1 December, "November 2026")."""

import pytest
from django.urls import reverse

from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(khanh_hoa, catalog) -> dict[str, str]:
    # Made before the browser starts (see tests/browser/test_login.py).
    return {
        "officer": khanh_hoa.commune_officer.username,
        "form": reverse("indicators:entry_form", args=[khanh_hoa.ba_ngoi.pk, "DA939", "2025-10"]),
        "dashboard": reverse("indicators:dashboard", args=[khanh_hoa.ba_ngoi.pk, "DA939"]),
    }


def test_an_english_browser_enters_and_sees_day_month_year(setup, live_server, browser) -> None:
    page = browser.new_context(locale="en-US").new_page()
    log_in(page, live_server.url, setup["officer"])
    page.goto(f"{live_server.url}{setup['dashboard']}?thang=2025-11")
    month = page.locator("#pick-month")
    assert month.get_attribute("type") == "text" and month.input_value() == "11/2025"

    page.goto(f"{live_server.url}{setup['form']}")
    page.locator("#derived-figures tr[data-code='939-06']").get_by_text("thêm hoạt động").click()
    page.wait_for_selector("#activity-form")
    day = page.locator("#id_starts_on")
    assert day.get_attribute("placeholder") == "dd/mm/yyyy"
    assert day.input_value().endswith("/10/2025")  # a day of the month the form was for
    day.fill("01/12/2025")
    page.fill("#id_title", "Lớp tập huấn khởi sự kinh doanh")
    page.fill("#id_participants", "35")
    page.fill("#id_participants_women", "30")
    page.click("#activity-form button.primary")
    page.wait_for_selector(".messages")
    page.goto(f"{live_server.url}{reverse('programs:activity_list')}")
    assert "01/12/2025" in page.locator("main").inner_text()
