"""The register's pages: scope (404 for another unit's member), search, add, export."""

import datetime
import io
import unicodedata

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from members.models import Member, MemberExport, MemberStatus
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def register(khanh_hoa):
    """Two members in Ba Ngòi, one in Nha Trang (same name), one in Cao Bằng."""
    nha_trang_branch = factories.branch(khanh_hoa.nha_trang, 1)
    thuc_phan_branch = factories.branch(khanh_hoa.thuc_phan, 1)
    return {
        "hoa": factories.member(khanh_hoa.ba_ngoi_branch, "Nguyễn Thị Hoà", birth_year=1988),
        "lan": factories.member(khanh_hoa.ba_ngoi_branch, "Trần Thị Lan", birth_year=1975),
        "other": factories.member(nha_trang_branch, "Nguyễn Thị Hoà", birth_year=1990),
        "cao_bang": factories.member(thuc_phan_branch, "Nông Thị Hoa", ethnicity="02"),
        "nha_trang_branch": nha_trang_branch,
    }


def _names(response) -> list[str]:
    return [m.full_name for m in response.context["members"]]


def test_register_lists_only_own_members(khanh_hoa, register) -> None:
    response = _client(khanh_hoa.commune_officer).get(reverse("members:register"))

    assert response.status_code == 200
    assert sorted(_names(response)) == ["Nguyễn Thị Hoà", "Trần Thị Lan"]
    assert "Nông Thị Hoa" not in response.content.decode()


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_search_on_the_page_ignores_diacritics_in_both_forms(khanh_hoa, register, form) -> None:
    client = _client(khanh_hoa.commune_officer)

    for typed in ("nguyen thi hoa", unicodedata.normalize(form, "Nguyễn Thị Hoà")):
        response = client.get(reverse("members:register"), {"q": typed})
        assert _names(response) == ["Nguyễn Thị Hoà"]
        assert [m.pk for m in response.context["members"]] == [register["hoa"].pk]


@pytest.mark.parametrize(
    "name",
    [
        "members:member_detail",
        "members:member_status",
        "members:member_move",
        "members:member_anonymise",
    ],
)
def test_another_communes_member_is_404(khanh_hoa, register, name) -> None:
    client = _client(khanh_hoa.commune_officer)
    url = reverse(name, args=[register["other"].pk])

    response = client.post(url, {"status": "left", "on": "2025-01-01"})

    assert response.status_code == 404
    other = Member.objects.get(pk=register["other"].pk)
    assert (other.status, other.full_name) == (MemberStatus.ACTIVE, "Nguyễn Thị Hoà")


def test_a_forbidden_member_and_a_missing_one_look_the_same(khanh_hoa, register) -> None:
    client = _client(khanh_hoa.commune_officer)

    forbidden = client.get(reverse("members:member_detail", args=[register["cao_bang"].pk]))
    missing = client.get(reverse("members:member_detail", args=[9_999_999]))

    assert forbidden.status_code == missing.status_code == 404


def test_province_reviewer_sees_all_its_communes_but_cannot_edit(khanh_hoa, register) -> None:
    client = _client(khanh_hoa.province_reviewer)

    response = client.get(reverse("members:register"), {"q": "hoa"})
    assert len(_names(response)) == 2  # Ba Ngòi and Nha Trang, not Cao Bằng
    detail = client.get(reverse("members:member_detail", args=[register["other"].pk]))
    assert detail.status_code == 200 and not detail.context["can_edit"]
    refused = client.post(
        reverse("members:member_status", args=[register["other"].pk]),
        {"status": "left", "on": "2025-01-01"},
    )
    assert refused.status_code == 403


def test_officer_adds_a_member(khanh_hoa) -> None:
    client = _client(khanh_hoa.commune_officer)

    response = client.post(
        reverse("members:member_add"),
        {
            "full_name": "  Hà   Thị Ngọc Ánh ",
            "branch": khanh_hoa.ba_ngoi_branch.pk,
            "birth_year": "1992",
            "ethnicity": "17",
            "household": "near_poor",
            "joined_on": "2025-03-08",
        },
    )

    member = Member.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("members:member_detail", args=[member.pk])
    assert (member.full_name, member.name_folded) == ("Hà Thị Ngọc Ánh", "ha thi ngoc anh")
    assert member.is_ethnic_minority and member.household == "near_poor"
    assert member.memberships.get().started_on == D(2025, 3, 8)


def test_add_form_explains_bad_input_in_vietnamese(khanh_hoa) -> None:
    client = _client(khanh_hoa.commune_officer)

    response = client.post(
        reverse("members:member_add"),
        {
            "full_name": "Ánh",
            "branch": khanh_hoa.ba_ngoi_branch.pk,
            "birth_year": "1992",
            "ethnicity": "01",
            "joined_on": "2025-03-08",
        },
    )

    assert response.status_code == 400
    assert "Họ và tên: cần cả họ và tên." in response.content.decode()
    assert not Member.objects.exists()


def test_officer_cannot_add_into_another_communes_branch(khanh_hoa, register) -> None:
    response = _client(khanh_hoa.commune_officer).post(
        reverse("members:member_add"),
        {
            "full_name": "Lê Thị Hồng",
            "branch": register["nha_trang_branch"].pk,
            "birth_year": "1992",
            "ethnicity": "01",
            "joined_on": "2025-03-08",
        },
    )

    assert response.status_code == 400  # not a choice the form offers
    assert not Member.objects.filter(full_name="Lê Thị Hồng").exists()


def test_status_change_through_the_page(khanh_hoa, register) -> None:
    client = _client(khanh_hoa.commune_officer)
    member = register["lan"]

    response = client.post(
        reverse("members:member_status", args=[member.pk]),
        {"status": "deceased", "on": "2025-04-02"},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.status, member.status_on) == ("deceased", D(2025, 4, 2))


def test_export_contains_only_own_members_and_is_recorded(khanh_hoa, register) -> None:
    officer = khanh_hoa.commune_officer

    response = _client(officer).get(reverse("members:register_export"), {"q": "thi"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(r[1] for r in rows) == ["Nguyễn Thị Hoà", "Trần Thị Lan"]
    assert {r[7] for r in rows} == {khanh_hoa.ba_ngoi_branch.name}
    export = MemberExport.objects.get()
    assert (export.user, export.row_count, export.filters) == (officer, 2, {"by_name": "yes"})
    assert "thi" not in str(export.filters)  # never the name searched for


def test_export_of_a_filter_records_the_filter(khanh_hoa, register) -> None:
    branch = khanh_hoa.ba_ngoi_branch
    _client(khanh_hoa.commune_officer).get(
        reverse("members:register_export"), {"chi_hoi": branch.pk, "tinh_trang": "active"}
    )

    export = MemberExport.objects.get()
    assert export.filters == {"branch": str(branch.pk), "status": "active"}
    assert export.row_count == 2


def test_figures_page_counts_from_the_register(khanh_hoa, register) -> None:
    client = _client(khanh_hoa.province_reviewer)

    response = client.get(
        reverse("members:register_figures"),
        {"don_vi": khanh_hoa.province.pk, "tu": "2024-01-01", "den": "2024-12-31"},
    )

    rows = {r.unit: (r.new_members, r.active_at_end) for r in response.context["rows"]}
    assert rows[khanh_hoa.province] == (2 + 1, 3)
    assert rows[khanh_hoa.ba_ngoi] == (2, 2)
    assert "sổ hội viên" in response.content.decode()


def test_figures_of_another_province_are_404(khanh_hoa, register) -> None:
    response = _client(khanh_hoa.province_reviewer).get(
        reverse("members:register_figures"), {"don_vi": khanh_hoa.cao_bang.pk}
    )

    assert response.status_code == 404


def test_nav_links_to_the_register(khanh_hoa) -> None:
    response = _client(khanh_hoa.commune_officer).get(reverse("home:home"))

    assert reverse("members:register") in response.content.decode()


def test_anonymise_through_the_page_keeps_the_count(khanh_hoa, register) -> None:
    client = _client(khanh_hoa.commune_officer)

    client.post(reverse("members:member_anonymise", args=[register["hoa"].pk]))

    response = client.get(reverse("members:register"))
    assert _names(response) == ["Trần Thị Lan"]
    assert response.context["active_total"] == 2
