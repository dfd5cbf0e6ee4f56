"""Browser path of the targets page: the province reviewer opens it from the unit page, picks
2025, splits H-01 equally, saves, and sees nothing left to give."""

import datetime

import pytest

from indicators.models import Indicator, Target
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reviewer(khanh_hoa, catalog) -> str:
    # Made before the browser starts (see tests/browser/test_login.py).
    Target.objects.create(
        unit=khanh_hoa.province,
        indicator=Indicator.objects.get(code="H-01"),
        period_end=datetime.date(2025, 12, 31),
        value=1101,
    )
    return khanh_hoa.province_reviewer.username


def test_reviewer_splits_a_target_equally_and_saves(reviewer, live_server, page) -> None:
    log_in(page, live_server.url, reviewer)
    page.click("#targets-link")
    page.select_option("#pick-period", "2025-12-31")
    page.click("text=Xem")
    assert page.locator("#remainder-H-01").inner_text() == "1.101"

    page.get_by_role("button", name="Chia đều H-01", exact=True).click()
    assert page.locator("#preview-note").is_visible()
    assert page.get_by_label("H-01 · Phường Ba Ngòi", exact=True).input_value() == "551"
    assert page.get_by_label("H-01 · Phường Nha Trang", exact=True).input_value() == "550"
    page.click("#save-targets")

    assert "Đã lưu chỉ tiêu" in page.locator(".messages").inner_text()
    assert page.locator("#remainder-H-01").inner_text() == "0"
    # The page after saving reads the stored targets (no ORM call here: see test_login.py).
    assert page.get_by_label("H-01 · Phường Ba Ngòi", exact=True).input_value() == "551"
    assert page.locator("#given-H-01").inner_text() == "1.101"
