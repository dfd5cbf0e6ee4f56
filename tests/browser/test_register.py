"""Browser path: a commune officer adds a member from the phone, then finds her by typing the
name without diacritics."""

import pytest

from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer(khanh_hoa) -> str:
    # Made before the browser starts (see tests/browser/test_login.py).
    return khanh_hoa.commune_officer.username


def test_officer_adds_a_member_and_finds_her_without_diacritics(officer, live_server, page):
    log_in(page, live_server.url, officer)
    page.click("nav >> text=Hội viên")
    page.click("#add-member")

    page.fill("#id_full_name", "Nguyễn Thị Hoà")
    page.fill("#id_birth_year", "1988")
    page.select_option("#id_ethnicity", label="Ê-đê")
    page.check("#id_has_disability")
    page.fill("#id_joined_on", "2025-03-08")
    page.click("#member-form button[type=submit]")

    page.wait_for_selector(".messages .success")
    assert page.locator("#member-name").inner_text() == "Nguyễn Thị Hoà"

    page.click("text=Sổ hội viên")
    page.fill("#id_q", "nguyen thi hoa")
    page.keyboard.press("Enter")
    page.wait_for_url("**/hoi-vien/?q=nguyen*")
    rows = page.locator("#members tbody tr")
    assert rows.count() == 1
    assert "Nguyễn Thị Hoà" in rows.first.inner_text()
    assert "Ê-đê" in rows.first.inner_text()
