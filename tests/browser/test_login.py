"""Browser path: a commune officer logs in and lands on the home page (Debian's chromium)."""

import os
import shutil

import pytest

from accounts.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("BROWSER_EXECUTABLE") or shutil.which("chromium") or ""


@pytest.fixture
def page():
    if not CHROMIUM:
        pytest.fail("chromium is not installed: .ci/run installs Debian's chromium package")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the
    # fixtures around it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
        yield context.new_page()
        browser.close()


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
