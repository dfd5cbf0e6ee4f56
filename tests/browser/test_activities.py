"""Browser path: a commune officer on a phone adds a training class from the month's form and
sees the month's "classes held" (939-06) go up by one."""

import pytest
from django.urls import reverse

from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def form_path(khanh_hoa, catalog) -> str:
    # Made before the browser starts (see tests/browser/test_login.py).
    return reverse("indicators:entry_form", args=[khanh_hoa.ba_ngoi.pk, "DA939", "2025-10"])


def classes_held(page) -> str:
    return page.locator("#derived-figures tr[data-code='939-06'] .derived-value").inner_text()


def test_officer_adds_a_training_class_on_a_phone_and_the_month_counts_it(
    form_path, khanh_hoa, live_server, page
) -> None:
    log_in(page, live_server.url, khanh_hoa.commune_officer.username)
    page.goto(live_server.url + form_path)
    assert classes_held(page) == "0"

    page.locator("#derived-figures tr[data-code='939-06']").get_by_text("thêm hoạt động").click()
    page.wait_for_selector("#activity-form")
    assert page.locator("#id_type option:checked").inner_text() == "Tập huấn"
    page.fill("#id_title", "Lớp tập huấn khởi sự kinh doanh cho hội viên")
    page.fill("#id_starts_on", "14/10/2025")
    page.fill("#id_participants", "35")
    page.fill("#id_participants_women", "40")  # more women than people: refused
    page.click("#activity-form button.primary")
    error = page.locator(".field.has-error .msg")
    assert "lớn hơn tổng số người tham gia (35)" in error.inner_text()

    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone

    page.fill("#id_participants_women", "32")
    page.click("#activity-form button.primary")

    page.wait_for_selector("#derived-figures")
    assert "Đã ghi nhận hoạt động" in page.locator(".messages").inner_text()
    assert classes_held(page) == "1"
