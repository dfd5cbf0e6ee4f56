"""Browser path: a commune officer logs in and lands on the home page (Debian's chromium)."""

import pytest

from accounts.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer() -> str:
    """Data is made before the browser starts: ORM calls made while Playwright runs would open
    a connection in its context that nobody closes."""
    province = factories.province("Tỉnh Cao Bằng", "04")
    commune = factories.commune(province, "Phường Thục Phán", "01273")
    factories.AssignmentFactory(
        user=factories.UserFactory(username="xa.thucphan"), unit=commune, role=Role.ENTRY
    )
    return "xa.thucphan"


def test_commune_officer_logs_in_and_sees_the_home_page(officer, live_server, page) -> None:

    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Đăng nhập"
    page.fill("#id_username", officer)
    page.fill("#id_password", "sai")
    page.click("button.primary")
    assert "không đúng" in page.locator("[role=alert]").inner_text()

    page.fill("#id_password", "mat-khau-2025")
    page.click("button.primary")

    page.wait_for_selector("#unit-name")
    assert page.locator("#unit-name").inner_text() == "Phường Thục Phán"
    assert "Cao Bằng" in page.locator("nav.breadcrumb").inner_text()
    page.click("text=Đăng xuất")
    page.wait_for_selector("#id_username")
