import datetime
import shutil

import pytest
from django.test import Client
from django.urls import reverse

from indicators.catalogue.services import DEFAULT_CATALOG_DIR, load_catalog
from members.models import Unit
from members.services import load_units
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_of(khanh_hoa):
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def test_login_page_speaks_vietnamese(db) -> None:
    page = Client().get(reverse("login")).content.decode()

    assert "Đăng nhập" in page and "Mật khẩu" in page


def test_login_page_in_english_when_chosen(db) -> None:
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = client.get(reverse("login")).content.decode()

    assert "Log in" in page and "Password" in page


def test_wrong_password_says_so_in_vietnamese(khanh_hoa) -> None:
    response = Client().post(
        reverse("login"), {"username": "xa.bangoi", "password": "sai-mat-khau"}
    )

    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_home_shows_the_unit_its_place_and_the_programs(khanh_hoa, client_of, tmp_path) -> None:
    for name in ("programs.csv", "indicators.csv"):  # no targets: no real provinces here
        shutil.copy(DEFAULT_CATALOG_DIR / name, tmp_path / name)
    load_catalog(tmp_path)
    page = client_of(khanh_hoa.commune_officer).get(reverse("home:home")).content.decode()

    assert "Phường Ba Ngòi" in page
    assert "Khánh Hòa" in page  # the breadcrumb up to the province
    assert "Chi hội Thôn 1" in page  # its branches
    assert "Nhập liệu" in page  # its role
    assert "DA939" in page and "939-01" in page and "H-17" in page


def test_breadcrumb_links_only_to_units_the_user_may_open(khanh_hoa, client_of) -> None:
    page = client_of(khanh_hoa.commune_officer).get(reverse("home:home")).content.decode()

    assert reverse("home:unit_detail", args=[khanh_hoa.province.pk]) not in page


def test_user_without_assignment_is_told_to_ask_an_admin(db) -> None:
    client = Client()
    client.force_login(factories.UserFactory(username="moi"))

    page = client.get(reverse("home:home")).content.decode()

    assert "chưa được phân công đơn vị nào" in page


def test_province_page_at_a_date_before_2025_lists_the_old_districts(db) -> None:
    [load] = load_units(["Cao Bằng"])
    client = Client()
    client.force_login(factories.UserFactory(username="tw", is_superuser=True))
    url = reverse("home:unit_detail", args=[load.province.pk])

    old = client.get(url, {"ngay": "2024-12-31"}).content.decode()
    new = client.get(url).content.decode()

    assert "Thành phố Cao Bằng" in old and "Phường Thục Phán" not in old
    assert "Phường Thục Phán" in new and "Huyện Bảo Lâm" not in new


def test_an_english_browser_still_gets_vietnamese_until_the_user_switches(db) -> None:
    page = Client(headers={"accept-language": "en-US,en;q=0.9"}).get(reverse("login"))

    assert "Mật khẩu" in page.content.decode()


def test_the_home_pages_unit_counts_follow_the_map(khanh_hoa, catalog) -> None:
    """The counts of the units below (kept with the unit's lineage, counted once per map
    version) change as soon as a unit is added, closed or removed."""
    client = Client()
    client.force_login(khanh_hoa.province_reviewer)

    def counts() -> str:
        page = client.get(reverse("home:home")).content.decode()
        return page.split('<ul class="counts">', 1)[1].split("</ul>", 1)[0]

    assert counts() == counts()
    before = counts()
    assert "<strong>2</strong>" in before  # Ba Ngòi and Nha Trang
    added = factories.commune(khanh_hoa.province, "Phường Mới", "99990")
    assert counts() != before
    Unit.objects.filter(pk=added.pk).update(valid_to=datetime.date(2020, 1, 1))
    assert counts() == before
    Unit.objects.filter(pk=added.pk).delete()
    assert counts() == before
    factories.branch(khanh_hoa.nha_trang, 1)
    assert counts() != before
