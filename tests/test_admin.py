import pytest
from django.test import Client

from members.services import load_units
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_vi(khanh_hoa) -> Client:
    client = Client()
    client.force_login(factories.UserFactory(username="qt", is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/quan-tri/members/unit/",
        "/quan-tri/members/unitsuccession/",
        "/quan-tri/accounts/user/",
        "/quan-tri/accounts/assignment/",
        "/quan-tri/programs/program/",
        "/quan-tri/indicators/indicator/",
        "/quan-tri/indicators/target/",
    ],
)
def test_admin_lists_open(admin_client_vi: Client, url: str) -> None:
    assert admin_client_vi.get(url).status_code == 200


def test_admin_unit_list_shows_the_tree_and_finds_by_code(admin_client_vi: Client) -> None:
    load_units(["Cao Bằng"])

    page = admin_client_vi.get("/quan-tri/members/unit/", {"q": "01273"}).content.decode()

    assert "Phường Thục Phán" in page and "Phường Hợp Giang" in page  # new and old 01273
    current = admin_client_vi.get("/quan-tri/members/unit/", {"validity": "current", "q": "01273"})
    assert "Phường Hợp Giang" not in current.content.decode()


def test_admin_user_page_edits_assignments_inline(admin_client_vi: Client, khanh_hoa) -> None:
    url = f"/quan-tri/accounts/user/{khanh_hoa.commune_officer.pk}/change/"

    page = admin_client_vi.get(url).content.decode()

    assert "Phường Ba Ngòi" in page
