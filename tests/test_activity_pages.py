"""The activity pages: quick add, scope (404 for another unit's activity), filters, the
calendar, the entry form's computed figure, and a dashboard that shows a new activity at once."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from programs.models import Activity, ActivityType, Program
from programs.services import save_activity
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(unit, **more) -> dict[str, str]:
    return {
        "program": str(Program.objects.get(code="DA939").pk),
        "type": str(ActivityType.objects.get(code="tap_huan").pk),
        "title": "Lớp tập huấn khởi sự kinh doanh",
        "starts_on": "2025-10-14",
        "unit": str(unit.pk),
        "participants": "42",
        "participants_women": "38",
        "participants_minority": "4",
        "participants_over35": "17",
        "cost": "1.500.000",
        "funding": "program",
        "partners": "Ngân hàng Chính sách xã hội tỉnh",
    } | more


OCT_3 = D(2025, 10, 3)


def activity(user, unit, day=OCT_3, kind="tap_huan", title="Lớp tập huấn") -> Activity:
    return save_activity(
        user=user,
        values={
            "program": Program.objects.get(code="DA939"),
            "unit": unit,
            "type": ActivityType.objects.get(code=kind),
            "title": title,
            "starts_on": day,
            "participants": 30,
        },
    )


def test_quick_add_saves_the_activity_and_its_figure(khanh_hoa, catalog) -> None:
    client = client_for(khanh_hoa.commune_officer)
    assert client.get(reverse("programs:activity_add")).status_code == 200

    response = client.post(reverse("programs:activity_add"), form_data(khanh_hoa.ba_ngoi))

    assert response.status_code == 302
    saved = Activity.objects.get()
    assert (saved.cost, saved.participants_women, saved.created_by) == (
        1500000,
        38,
        khanh_hoa.commune_officer,
    )
    assert saved.partners == "Ngân hàng Chính sách xã hội tỉnh"


def test_the_form_shows_each_refusal_beside_its_field(khanh_hoa, catalog) -> None:
    client = client_for(khanh_hoa.commune_officer)
    data = form_data(khanh_hoa.ba_ngoi, participants="-2", participants_women="0")
    data |= {"participants_minority": "0", "participants_over35": "0"}

    response = client.post(reverse("programs:activity_add"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["participants"] == ["Số người tham gia không được âm"]
    assert "Số người tham gia không được âm" in response.content.decode()
    assert not Activity.objects.exists()


def test_another_units_activity_is_404_and_the_province_sees_its_subtree(
    khanh_hoa, catalog
) -> None:
    mine = activity(khanh_hoa.commune_officer, khanh_hoa.ba_ngoi, title="Lớp của Ba Ngòi")
    nha_trang_officer = factories.AssignmentFactory(
        user=factories.UserFactory(username="xa.nhatrang"),
        unit=khanh_hoa.nha_trang,
        role=Role.ENTRY,
    ).user
    theirs = activity(nha_trang_officer, khanh_hoa.nha_trang, title="Lớp của Nha Trang")
    officer = client_for(khanh_hoa.commune_officer)

    for name in ("programs:activity_edit", "programs:activity_delete"):
        assert officer.get(reverse(name, args=[theirs.pk])).status_code == 404
        assert officer.get(reverse(name, args=[mine.pk])).status_code == 200
    assert officer.post(reverse("programs:activity_delete", args=[theirs.pk])).status_code == 404
    assert Activity.objects.filter(pk=theirs.pk).exists()
    listed = officer.get(reverse("programs:activity_list")).content.decode()
    assert "Lớp của Ba Ngòi" in listed and "Lớp của Nha Trang" not in listed
    province = client_for(khanh_hoa.province_reviewer).get(reverse("programs:activity_list"))
    assert {a.title for a in province.context["page"]} == {"Lớp của Ba Ngòi", "Lớp của Nha Trang"}
    other = factories.AssignmentFactory(
        user=factories.UserFactory(username="tinh.caobang"), unit=khanh_hoa.cao_bang
    ).user
    assert (
        client_for(other).get(reverse("programs:activity_edit", args=[mine.pk])).status_code == 404
    )
    assert (
        client_for(other)
        .get(reverse("programs:activity_list") + f"?unit={khanh_hoa.ba_ngoi.pk}")
        .status_code
        == 404
    )


def test_the_list_filters_by_program_type_month_and_level(khanh_hoa, catalog) -> None:
    officer = khanh_hoa.commune_officer
    activity(officer, khanh_hoa.ba_ngoi, D(2025, 10, 3), title="Tập huấn tháng 10")
    activity(officer, khanh_hoa.ba_ngoi, D(2025, 9, 3), title="Tập huấn tháng 9")
    activity(officer, khanh_hoa.ba_ngoi_branch, D(2025, 10, 8), title="Tập huấn của chi hội")
    activity(officer, khanh_hoa.ba_ngoi, D(2025, 10, 9), kind="doi_thoai", title="Đối thoại")
    client = client_for(khanh_hoa.province_reviewer)

    def titles(query: str) -> set[str]:
        return {
            a.title for a in client.get(reverse("programs:activity_list") + query).context["page"]
        }

    assert titles("?month=2025-10&type=tap_huan") == {"Tập huấn tháng 10", "Tập huấn của chi hội"}
    assert titles("?month=2025-10&type=tap_huan&level=branch") == {"Tập huấn của chi hội"}
    assert titles("?program=DA939&month=2025-09") == {"Tập huấn tháng 9"}
    assert titles("?program=DA938") == set()
    calendar = client.get(reverse("programs:activity_calendar") + "?month=2025-10").content.decode()
    assert calendar.count('class="event"') == 3
    assert 'data-day="8"' in calendar and "Tập huấn của chi hội" in calendar


def test_the_entry_form_shows_derived_figures_computed_with_a_link(khanh_hoa, catalog) -> None:
    officer = khanh_hoa.commune_officer
    activity(officer, khanh_hoa.ba_ngoi, D(2025, 10, 3))
    activity(officer, khanh_hoa.ba_ngoi_branch, D(2025, 10, 8))
    client = client_for(officer)

    page = client.get(
        reverse("indicators:entry_form", args=[khanh_hoa.ba_ngoi.pk, "DA939", "2025-10"])
    )

    sheet = page.context["sheet"]
    assert "939-06" not in {c.indicator.code for c in sheet.cells}  # not asked for
    [cell] = sheet.derived_cells
    assert (cell.indicator.code, cell.saved.value) == ("939-06", 2)
    text = page.content.decode()
    link = f"?unit={khanh_hoa.ba_ngoi.pk}&amp;program=DA939&amp;month=2025-10&amp;type=tap_huan"
    assert link in text
    assert f'name="value-{khanh_hoa.ba_ngoi.pk}-{cell.indicator.pk}"' not in text
    behind = client.get(reverse("programs:activity_list") + link.replace("&amp;", "&"))
    assert behind.context["page"].paginator.count == 2


def test_a_new_activity_is_on_the_province_dashboard_at_once(khanh_hoa, catalog) -> None:
    client = client_for(khanh_hoa.province_reviewer)
    url = reverse("indicators:dashboard", args=[khanh_hoa.province.pk, "DA939"])
    query = "?thang=2025-10&ky=thang&chi_tieu=939-06"
    before = client.get(url + query).content.decode()
    assert ">1<" not in before.split('data-unit="22735"')[1].split("</tr>")[0]

    activity(khanh_hoa.commune_officer, khanh_hoa.ba_ngoi, D(2025, 10, 3))

    after = client.get(url + query).content.decode()
    assert ">1<" in after.split('data-unit="22735"')[1].split("</tr>")[0]
