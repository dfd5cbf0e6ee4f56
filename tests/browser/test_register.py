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
    page.fill("#id_joined_on", "08/03/2025")
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


@pytest.fixture
def province_officer(khanh_hoa) -> str:
    """Khánh Hòa's reviewer, with 60 members called Hoà over two communes and one in Cao Bằng."""
    from tests import factories

    branches = [khanh_hoa.ba_ngoi_branch, factories.branch(khanh_hoa.nha_trang, 1)]
    for number in range(60):
        family = ("Nguyễn", "Trần", "Lê")[number % 3]
        factories.member(branches[number % 2], f"{family} Thị Hoà", birth_year=1940 + number)
    factories.member(factories.branch(khanh_hoa.thuc_phan, 1), "Nguyễn Thị Hoà")
    return khanh_hoa.province_reviewer.username


def test_province_officer_pages_through_a_name_search(province_officer, live_server, page):
    log_in(page, live_server.url, province_officer)
    page.click("nav >> text=Hội viên")
    page.click("text=Sổ hội viên")
    page.fill("#id_q", "thi hoa")
    page.keyboard.press("Enter")
    page.wait_for_url("**/hoi-vien/?q=thi*")
    first = page.locator("#members tbody tr")
    assert first.count() == 50
    assert "Lê Thị Hoà" in first.first.inner_text()

    page.click("a[rel=next]")
    page.wait_for_url("**trang=2*")
    second = page.locator("#members tbody tr")
    assert second.count() == 10  # 60 in Khánh Hòa; Cao Bằng's Hoà is not theirs
    assert all("Trần Thị Hoà" in text for text in second.all_inner_texts())
    assert page.locator("a[rel=next]").count() == 0
