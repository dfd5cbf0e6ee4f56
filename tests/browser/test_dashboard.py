"""Browser path of the dashboard: the provincial reviewer opens it, drills down to a district,
switches the period, and downloads the Excel export, whose cells match the page."""

import datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from accounts.models import Role
from common.periods import add_months, month_start
from indicators.cycle.entry import Entry
from indicators.cycle.recording import record_results
from indicators.models import Indicator, Target
from members.models import Level
from tests import factories
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reviewer(catalog) -> str:
    """Khánh Hòa with two districts (the map before 2025, kept current for the test), results of
    H-01 for the last two months, and a target for Vĩnh Hải. Made before the browser starts."""
    province = factories.province("Tỉnh Khánh Hòa", "56")
    nha_trang = factories.UnitFactory(
        level=Level.DISTRICT, name="Thành phố Nha Trang", code="568", parent=province
    )
    cam_lam = factories.UnitFactory(
        level=Level.DISTRICT, name="Huyện Cam Lâm", code="576", parent=province
    )
    vinh_hai = factories.commune(nha_trang, "Phường Vĩnh Hải", "22330")
    loc_tho = factories.commune(nha_trang, "Phường Lộc Thọ", "22363")
    cam_hai = factories.commune(cam_lam, "Xã Cam Hải Đông", "22768")
    last = add_months(month_start(datetime.date.today()), -1)
    before = add_months(last, -1)
    h01 = Indicator.objects.get(code="H-01")
    record_results(
        [
            Entry(vinh_hai, h01, before, value=Decimal(4)),
            Entry(vinh_hai, h01, last, value=Decimal(6)),
            Entry(loc_tho, h01, last, value=Decimal(3)),
            Entry(cam_hai, h01, last, value=Decimal(7)),
        ]
    )
    Target.objects.create(
        unit=vinh_hai, indicator=h01, period_end=datetime.date(last.year, 12, 31), value=20
    )
    factories.AssignmentFactory(
        user=factories.UserFactory(username="tinh.khanhhoa"), unit=province, role=Role.REVIEWER
    )
    # Year to date counts the month before only when it is in the same year (not in January).
    return {"username": "tinh.khanhhoa", "both_months": before.year == last.year}


def cell_texts(page, code: str) -> list[str]:
    return page.locator(f"#dashboard-table tr[data-unit='{code}'] td").all_inner_texts()


def test_open_drill_down_switch_period_and_export(reviewer, live_server, browser) -> None:
    page = browser.new_context(locale="vi-VN", accept_downloads=True).new_page()
    log_in(page, live_server.url, reviewer["username"])
    page.click("text=Theo dõi chỉ tiêu")
    page.locator("details.columns summary").click()
    for box in page.locator("details.columns input[type=checkbox]").all():
        box.set_checked(box.get_attribute("value") in ("H-01", "H-04"))
    page.click("#dashboard-picker button[type=submit]")
    # The province: its two districts, H-01 year to date (Nha Trang 4 + 6 + 3, Cam Lâm 7).
    assert cell_texts(page, "568")[:2] == ["20", "13" if reviewer["both_months"] else "9"]
    assert cell_texts(page, "576")[:2] == ["–", "7"]

    page.click("#dashboard-table a:text('Thành phố Nha Trang')")
    assert "Thành phố Nha Trang: theo dõi chỉ tiêu" in page.locator("h1").inner_text()
    vinh_hai = "10" if reviewer["both_months"] else "6"  # 4 + 6
    assert cell_texts(page, "22330")[:2] == ["20", vinh_hai]
    page.select_option("#pick-period", "thang")
    page.click("#dashboard-picker button[type=submit]")
    assert cell_texts(page, "22330")[1] == "6"  # the last month only
    assert "H-04" in page.locator("#dashboard-table thead").inner_text()  # columns remembered

    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(BytesIO(Path(download.value.path()).read_bytes())).active
    rows = {row[1]: row for row in sheet.iter_rows(min_row=6, values_only=True)}
    assert rows["Phường Vĩnh Hải"][2:4] == (20, 6)  # the page's target and actual
    assert rows["Phường Lộc Thọ"][3] == 3
    assert rows["Thành phố Nha Trang"][3] == 9
