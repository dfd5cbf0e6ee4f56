import pytest
from django.test import Client
from django.urls import reverse

from accounts.access import Action, units_for, visible_units
from members.models import Unit
from tests import factories

pytestmark = pytest.mark.django_db


def _page(user, unit: Unit) -> int:
    client = Client()
    client.force_login(user)
    return client.get(reverse("home:unit_detail", args=[unit.pk])).status_code


def test_commune_officer_sees_own_commune_and_its_branches(khanh_hoa) -> None:
    officer = khanh_hoa.commune_officer

    assert _page(officer, khanh_hoa.ba_ngoi) == 200
    assert _page(officer, khanh_hoa.ba_ngoi_branch) == 200


def test_commune_officer_gets_404_for_another_commune(khanh_hoa) -> None:
    officer = khanh_hoa.commune_officer

    assert _page(officer, khanh_hoa.nha_trang) == 404
    assert _page(officer, khanh_hoa.thuc_phan) == 404


def test_commune_officer_cannot_open_the_province_above(khanh_hoa) -> None:
    assert _page(khanh_hoa.commune_officer, khanh_hoa.province) == 404


def test_a_missing_unit_and_a_forbidden_one_look_the_same(khanh_hoa) -> None:
    client = Client()
    client.force_login(khanh_hoa.commune_officer)
    forbidden = client.get(reverse("home:unit_detail", args=[khanh_hoa.nha_trang.pk]))
    missing = client.get(reverse("home:unit_detail", args=[999_999]))

    assert forbidden.status_code == missing.status_code == 404


def test_province_reviewer_sees_its_communes_but_not_another_province(khanh_hoa) -> None:
    reviewer = khanh_hoa.province_reviewer

    assert _page(reviewer, khanh_hoa.nha_trang) == 200
    assert _page(reviewer, khanh_hoa.thuc_phan) == 404
    assert set(visible_units(reviewer)) == set(Unit.objects.subtree(khanh_hoa.province))


def test_only_entry_and_admin_roles_may_edit(khanh_hoa) -> None:
    assert set(units_for(khanh_hoa.commune_officer, Action.ENTER)) == {
        khanh_hoa.ba_ngoi,
        khanh_hoa.ba_ngoi_branch,
    }
    assert not units_for(khanh_hoa.province_reviewer, Action.ENTER).exists()
    assert not units_for(khanh_hoa.branch_viewer, Action.ENTER).exists()


def test_inactive_user_sees_nothing(khanh_hoa) -> None:
    officer = khanh_hoa.commune_officer
    officer.is_active = False
    officer.save()

    assert not visible_units(officer).exists()


def test_superuser_sees_every_unit(khanh_hoa) -> None:
    admin = factories.UserFactory(username="quantri", is_superuser=True, is_staff=True)

    assert visible_units(admin).count() == Unit.objects.count()


def test_anonymous_visitor_is_sent_to_login(khanh_hoa) -> None:
    response = Client().get(reverse("home:unit_detail", args=[khanh_hoa.ba_ngoi.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
