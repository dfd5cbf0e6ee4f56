"""Browser path across the 2025 reform: the provincial user opens the 2025 dashboard, sees a
new commune's figure, opens its page and sees the old communes it was formed from."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Role
from indicators.cycle.entry import Entry
from indicators.cycle.recording import record_results
from indicators.models import Indicator
from members.models import Level, UnitSuccession
from tests import factories
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REFORM = datetime.date(2025, 7, 1)


@pytest.fixture
def province_user(catalog) -> dict[str, str]:
    """Khánh Hòa after the reform: Phường Nha Trang formed on 2025-07-01 from Phường Vĩnh Hải
    and Phường Lộc Thọ (old Thành phố Nha Trang), with H-01 results on both maps."""
    province = factories.province("Tỉnh Khánh Hòa", "56")
    old_city = factories.UnitFactory(
        level=Level.DISTRICT,
        name="Thành phố Nha Trang",
        code="568",
        parent=province,
        valid_to=datetime.date(2025, 6, 30),
    )
    olds = [
        factories.UnitFactory(
            level=Level.COMMUNE,
            name=name,
            code=code,
            parent=old_city,
            valid_to=datetime.date(2025, 6, 30),
        )
        for name, code in (("Phường Vĩnh Hải", "22330"), ("Phường Lộc Thọ", "22363"))
    ]
    new = factories.UnitFactory(
        level=Level.COMMUNE,
        name="Phường Nha Trang",
        code="22333",
        parent=province,
        valid_from=REFORM,
    )
    for old in olds:
        UnitSuccession.objects.create(predecessor=old, successor=new, effective_on=REFORM)
    h01 = Indicator.objects.get(code="H-01")
    record_results(
        [
            Entry(olds[0], h01, datetime.date(2025, 3, 1), value=Decimal(4)),
            Entry(olds[1], h01, datetime.date(2025, 5, 1), value=Decimal(3)),
            Entry(new, h01, datetime.date(2025, 9, 1), value=Decimal(6)),
        ]
    )
    factories.AssignmentFactory(
        user=factories.UserFactory(username="tinh.khanhhoa"), unit=province, role=Role.REVIEWER
    )
    return {
        "username": "tinh.khanhhoa",
        "dashboard": f"/theo-doi/{province.pk}/{h01.program.code}/",
    }


def test_new_commune_figure_and_its_predecessors(province_user, live_server, browser) -> None:
    page = browser.new_context(locale="vi-VN").new_page()
    log_in(page, live_server.url, province_user["username"])
    page.goto(f"{live_server.url}{province_user['dashboard']}?ky=nam&thang=2025-12&chi_tieu=H-01")
    row = page.locator("#dashboard-table tr[data-unit='22333'] td").all_inner_texts()
    # Its own September 6 plus what its predecessors recorded before the reform (4 + 3).
    assert row[1] == "13"

    link = page.locator("#dashboard-table a:text('Phường Nha Trang')").get_attribute("href")
    unit_pk = link.split("/theo-doi/")[1].split("/")[0]
    page.goto(f"{live_server.url}/don-vi/{unit_pk}/?ngay=2025-12-31")
    predecessors = page.locator("#predecessors").inner_text()
    assert "Phường Vĩnh Hải" in predecessors and "22330" in predecessors
    assert "Phường Lộc Thọ" in predecessors
    assert "nhập trọn, 01/07/2025" in predecessors
