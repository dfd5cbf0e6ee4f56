"""The admin (/quan-tri/) by the portal's rules: a staff user of Khánh Hòa with every model
permission (not a superuser) lists, opens, exports and acts on Khánh Hòa's rows only, grants
only inside their units, never makes a superuser, and edits members through the register's
services."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts import access
from accounts.models import Assignment, Role, User
from indicators.models import Result
from members.models import Member
from tests import factories
from tests.foreign_rows import MARK, Foreign, cao_bang_rows, staff_of

pytestmark = pytest.mark.django_db

ADMINS = [
    ("indicators", "result", "result"),
    ("indicators", "target", "target"),
    ("programs", "activity", "activity"),
    ("reports", "reportjob", "job"),
    ("reports", "reportschedule", "schedule"),
    ("members", "member", "member"),
    ("members", "unit", "branch"),
    ("members", "memberexport", "export"),
    ("members", "membercardview", "card_view"),
    ("accounts", "user", "user"),
    ("accounts", "assignment", "assignment"),
]


@pytest.fixture
def foreign(khanh_hoa: Any) -> Foreign:
    return cao_bang_rows(khanh_hoa)


@pytest.fixture
def staff(khanh_hoa: Any) -> User:
    return staff_of(khanh_hoa.province)


@pytest.fixture
def client(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.parametrize(("app", "model", "attr"), ADMINS)
def test_a_foreign_row_is_not_listed(client: Client, foreign: Foreign, app, model, attr) -> None:
    response = client.get(reverse(f"admin:{app}_{model}_changelist"))

    assert response.status_code == 200
    shown = response.context["cl"].queryset
    assert getattr(foreign, attr).pk not in set(shown.values_list("pk", flat=True))
    assert MARK not in response.content.decode()


@pytest.mark.parametrize(("app", "model", "attr"), ADMINS)
@pytest.mark.parametrize("page", ["change", "delete", "history"])
def test_a_foreign_row_opens_as_a_missing_one(
    client: Client, foreign: Foreign, app, model, attr, page
) -> None:
    pk = getattr(foreign, attr).pk
    response = client.get(reverse(f"admin:{app}_{model}_{page}", args=[pk]))

    assert response.status_code in (302, 403, 404)  # 403: the page is closed to everyone
    if response.status_code == 302:  # Django's answer for an id that does not exist
        assert response["Location"] == reverse("admin:index")
    assert MARK not in response.content.decode()


def test_a_foreign_members_past_versions_stay_closed(client: Client, foreign: Foreign) -> None:
    version = foreign.member.history.first()  # type: ignore[attr-defined]
    url = reverse(
        "admin:members_member_simple_history", args=[foreign.member.pk, version.history_id]
    )

    assert client.get(url).status_code == 404


def test_export_of_results_leaves_out_other_units(
    client: Client, khanh_hoa: Any, foreign: Foreign
) -> None:
    mine = Result.objects.create(
        unit=khanh_hoa.ba_ngoi, indicator=foreign.result.indicator, month=datetime.date(2025, 6, 1),
        value=3,
    )  # fmt: skip
    url = reverse("admin:indicators_result_export")
    form = client.get(url).context["form"]
    data = {name: "on" for name in form.fields if name.startswith("resultresource_")}
    response = client.post(url, {**data, "format": "0", "resource": "0"})

    assert response.status_code == 200, response.context["form"].errors
    text = response.content.decode()
    assert khanh_hoa.ba_ngoi.code in text and mine.pk
    assert khanh_hoa.thuc_phan.code not in text


def test_the_delete_action_skips_foreign_rows(client: Client, foreign: Foreign) -> None:
    client.post(
        reverse("admin:reports_reportschedule_changelist"),
        {"action": "delete_selected", "_selected_action": [foreign.schedule.pk], "post": "yes"},
    )

    assert type(foreign.schedule).objects.filter(pk=foreign.schedule.pk).exists()


def test_a_foreign_unit_is_not_offered_in_a_form(client: Client, foreign: Foreign) -> None:
    response = client.post(
        reverse("admin:reports_reportschedule_add"),
        {"program": foreign.schedule.program_id, "unit": foreign.branch.pk, "format": "xlsx",
         "day": 9, "active": "on"},
    )  # fmt: skip

    assert response.status_code == 200  # the form again, with the unit refused
    assert response.context["adminform"].form.errors["unit"]


def test_a_viewer_changes_nothing_in_the_admin(khanh_hoa: Any) -> None:
    viewer = staff_of(khanh_hoa.province, "xem.khanhhoa", Role.VIEWER)
    schedule = cao_bang_rows(khanh_hoa).schedule
    schedule.unit = khanh_hoa.province
    schedule.save()
    client = Client()
    client.force_login(viewer)

    response = client.post(
        reverse("admin:reports_reportschedule_change", args=[schedule.pk]),
        {"program": schedule.program_id, "unit": khanh_hoa.province.pk, "format": "pdf",
         "day": 20},
    )  # fmt: skip

    assert response.status_code == 403
    schedule.refresh_from_db()
    assert schedule.day == 5


# --- Users and grants -----------------------------------------------------------------------


def test_a_grant_outside_the_staff_users_units_is_refused(
    client: Client, khanh_hoa: Any, foreign: Foreign
) -> None:
    response = client.post(
        reverse("admin:accounts_assignment_add"),
        {"user": khanh_hoa.commune_officer.pk, "unit": khanh_hoa.cao_bang.pk, "role": "admin"},
    )

    assert response.status_code == 200
    assert not Assignment.objects.filter(unit=khanh_hoa.cao_bang, role="admin").exists()


def test_a_grant_inside_is_made(client: Client, khanh_hoa: Any) -> None:
    response = client.post(
        reverse("admin:accounts_assignment_add"),
        {"user": khanh_hoa.commune_officer.pk, "unit": khanh_hoa.nha_trang.pk, "role": "viewer"},
    )

    assert response.status_code == 302
    assert Assignment.objects.filter(unit=khanh_hoa.nha_trang, role="viewer").exists()


def test_a_commune_admin_cannot_give_the_province(khanh_hoa: Any) -> None:
    commune_admin = staff_of(khanh_hoa.ba_ngoi, "qt.bangoi")
    client = Client()
    client.force_login(commune_admin)

    client.post(
        reverse("admin:accounts_assignment_add"),
        {"user": commune_admin.pk, "unit": khanh_hoa.province.pk, "role": "admin"},
    )

    assert not Assignment.objects.filter(user=commune_admin, unit=khanh_hoa.province).exists()


def test_roles_are_granted_no_higher_than_held(khanh_hoa: Any) -> None:
    entry = khanh_hoa.commune_officer
    entry.is_staff = True
    entry.save()

    assert access.ROLE_ORDER == ("viewer", "entry", "reviewer", "admin")
    assert not access.may_grant(entry, khanh_hoa.ba_ngoi, Role.VIEWER)  # not an admin there
    admin = staff_of(khanh_hoa.ba_ngoi, "qt.bangoi")
    assert access.may_grant(admin, khanh_hoa.ba_ngoi_branch, Role.ADMIN)
    assert not access.may_grant(admin, khanh_hoa.nha_trang, Role.VIEWER)


def test_only_a_superuser_makes_a_superuser(client: Client, khanh_hoa: Any) -> None:
    officer = khanh_hoa.commune_officer
    url = reverse("admin:accounts_user_change", args=[officer.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "username": officer.username, "first_name": "Hoa", "last_name": "Nguyễn Thị",
        "email": "", "is_active": "on", "is_staff": "on", "is_superuser": "on",
        "date_joined_0": "2025-01-01", "date_joined_1": "00:00:00",
        "assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0",
    }  # fmt: skip

    client.post(url, data)

    officer.refresh_from_db()
    assert not officer.is_superuser


def test_users_outside_the_scope_are_not_edited(client: Client, foreign: Foreign) -> None:
    url = reverse("admin:auth_user_password_change", args=[foreign.user.pk])

    response = client.post(
        url, {"password1": "Mot-mat-khau-moi-9", "password2": "Mot-mat-khau-moi-9"}
    )

    assert response.status_code in (302, 404)
    foreign.user.refresh_from_db()
    assert foreign.user.check_password("mat-khau-2025")


def test_a_superuser_is_not_shown_to_a_staff_user(client: Client) -> None:
    boss = factories.UserFactory(username="sieu", is_superuser=True, is_staff=True)

    response = client.get(reverse("admin:accounts_user_change", args=[boss.pk]))

    assert response.status_code == 302


# --- Members and results through the services -----------------------------------------------


def _member_post(member: Member, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "full_name": member.full_name, "birth_year": member.birth_year or "",
        "birth_date": "", "ethnicity": member.ethnicity, "religion": member.religion,
        "phone": member.phone, "household": member.household, "branch": member.branch_id,
        "joined_on": member.joined_on.isoformat(),
    }  # fmt: skip
    data.update(changes)
    return data


def test_admin_edit_of_a_member_keeps_the_registers_rules(
    client: Client, khanh_hoa: Any, foreign: Foreign
) -> None:
    member = factories.member(khanh_hoa.ba_ngoi_branch, "Lê Thị Mai", birth_year=1979)
    url = reverse("admin:members_member_change", args=[member.pk])

    moved_away = client.post(url, _member_post(member, branch=foreign.branch.pk))
    bad_phone = client.post(url, _member_post(member, phone="abc"))

    assert moved_away.status_code == 200 and bad_phone.status_code == 200
    member.refresh_from_db()
    assert (member.branch_id, member.province_id, member.phone) == (
        khanh_hoa.ba_ngoi_branch.pk, khanh_hoa.province.pk, "",
    )  # fmt: skip


def test_admin_edit_and_move_go_through_the_services(client: Client, khanh_hoa: Any) -> None:
    member = factories.member(khanh_hoa.ba_ngoi_branch, "Lê Thị Mai", birth_year=1979)
    other = factories.branch(khanh_hoa.nha_trang, 2)
    url = reverse("admin:members_member_change", args=[member.pk])

    response = client.post(url, _member_post(member, full_name="Lê  Thị Mai Anh", branch=other.pk))

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.full_name, member.name_folded) == ("Lê Thị Mai Anh", "le thi mai anh")
    assert member.branch == other and member.memberships.count() == 2  # a move, not an edit


def test_results_are_read_only_in_the_admin(client: Client, khanh_hoa: Any) -> None:
    indicator = factories.IndicatorFactory()
    result = Result.objects.create(
        unit=khanh_hoa.ba_ngoi, indicator=indicator, month=datetime.date(2025, 6, 1), value=3
    )

    response = client.post(reverse("admin:indicators_result_change", args=[result.pk]), {})

    assert response.status_code == 403


def test_an_admin_result_import_refuses_another_provinces_rows(
    client: Client, khanh_hoa: Any, foreign: Foreign
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    headers = "unit_code,indicator_code,month,value,numerator,denominator\n"
    content = f"{headers}01273,939-01,2025-05,5,,\n"
    response = client.post(
        reverse("admin:indicators_result_import"),
        {"import_file": SimpleUploadedFile("kq.csv", content.encode()), "format": "0",
         "resource": "0"},
    )  # fmt: skip

    assert "bạn không được nhập số liệu cho đơn vị «01273»" in response.content.decode()
    assert not Result.objects.filter(month=datetime.date(2025, 5, 1)).exists()


def test_an_admin_result_import_needs_the_import_role_not_only_sight(khanh_hoa: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    factories.IndicatorFactory(code="939-01")
    viewer = Client()
    viewer.force_login(staff_of(khanh_hoa.province, "xem.khanhhoa", role=Role.VIEWER))
    headers = "unit_code,indicator_code,month,value,numerator,denominator\n"
    content = f"{headers}{khanh_hoa.ba_ngoi.code},939-01,2025-05,5,,\n"
    response = viewer.post(
        reverse("admin:indicators_result_import"),
        {"import_file": SimpleUploadedFile("kq.csv", content.encode()), "format": "0",
         "resource": "0"},
    )  # fmt: skip

    assert f"bạn không được nhập số liệu cho đơn vị «{khanh_hoa.ba_ngoi.code}»" in (
        response.content.decode()
    )
    assert not Result.objects.filter(month=datetime.date(2025, 5, 1)).exists()


def test_catalogue_imports_are_for_superusers(client: Client) -> None:
    assert client.get(reverse("admin:indicators_target_import")).status_code == 403
    assert client.get(reverse("admin:members_unit_import")).status_code == 403
