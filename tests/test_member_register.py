"""The register's rules: search, scope, status changes, moves and the figures they give."""

import datetime
import unicodedata

import pytest
from django.http import Http404

from common.periods import month_end
from members import selectors
from members.models import Member, Membership, MemberStatus
from members.selectors import MemberFilter, visible_member_or_404, visible_members
from members.services import (
    MemberData,
    MemberError,
    MemberRefused,
    add_member,
    anonymise_member,
    change_status,
    move_member,
    update_member,
)
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


def _search(user, text: str) -> list[str]:
    return [m.full_name for m in selectors.register_page(user, MemberFilter(q=text))]


def test_search_ignores_diacritics_and_case(khanh_hoa) -> None:
    factories.member(khanh_hoa.ba_ngoi_branch, "Nguyễn Thị Hoà")
    factories.member(khanh_hoa.ba_ngoi_branch, "Trần Thị Lan")

    assert _search(khanh_hoa.commune_officer, "nguyen thi hoa") == ["Nguyễn Thị Hoà"]
    assert _search(khanh_hoa.commune_officer, "NGUYỄN THỊ HOÀ") == ["Nguyễn Thị Hoà"]
    assert _search(khanh_hoa.commune_officer, "hoa nguyen") == ["Nguyễn Thị Hoà"]


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_search_finds_a_name_stored_and_typed_in_either_unicode_form(khanh_hoa, form) -> None:
    stored = unicodedata.normalize(form, "Đặng Thị Thuỷ")
    factories.member(khanh_hoa.ba_ngoi_branch, stored)

    for typed_form in ("NFC", "NFD"):
        typed = unicodedata.normalize(typed_form, "đặng thị thuỷ")
        assert _search(khanh_hoa.commune_officer, typed) == ["Đặng Thị Thuỷ"]
    assert _search(khanh_hoa.commune_officer, "dang thi thuy") == ["Đặng Thị Thuỷ"]


def test_names_are_stored_in_nfc(khanh_hoa) -> None:
    member = factories.member(khanh_hoa.ba_ngoi_branch, unicodedata.normalize("NFD", "Lê Thị Hà"))

    assert member.full_name == unicodedata.normalize("NFC", "Lê Thị Hà")
    assert member.name_folded == "le thi ha"


def test_commune_officer_sees_only_members_of_own_commune(khanh_hoa) -> None:
    own = factories.member(khanh_hoa.ba_ngoi_branch, "Phạm Thị Mai")
    nha_trang_branch = factories.branch(khanh_hoa.nha_trang, 1)
    other = factories.member(nha_trang_branch, "Phạm Thị Mai")

    assert list(visible_members(khanh_hoa.commune_officer)) == [own]
    with pytest.raises(Http404):
        visible_member_or_404(khanh_hoa.commune_officer, other.pk)
    assert set(visible_members(khanh_hoa.province_reviewer)) == {own, other}


def test_officer_cannot_add_a_member_to_another_commune(khanh_hoa) -> None:
    nha_trang_branch = factories.branch(khanh_hoa.nha_trang, 1)

    with pytest.raises(MemberRefused):
        add_member(
            user=khanh_hoa.commune_officer,
            branch=nha_trang_branch,
            joined_on=D(2025, 1, 5),
            data=MemberData("Võ Thị Sáu", birth_year=1990),
        )


def test_viewer_cannot_change_a_member(khanh_hoa) -> None:
    member = factories.member(khanh_hoa.ba_ngoi_branch)

    with pytest.raises(MemberRefused):
        change_status(user=khanh_hoa.branch_viewer, member=member, status="left", on=D(2025, 2, 1))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (MemberData("Hoa", birth_year=1990), "full_name"),
        (MemberData("Lò Thị Hoa", birth_year=2015), "birth_year"),
        (MemberData("Lò Thị Hoa"), "birth_year"),
        (MemberData("Lò Thị Hoa", birth_year=1990, ethnicity="99"), "ethnicity"),
        (MemberData("Lò Thị Hoa", birth_year=1990, phone="abc"), "phone"),
    ],
)
def test_bad_member_data_is_refused_naming_the_field(khanh_hoa, data, field) -> None:
    with pytest.raises(MemberError) as refused:
        add_member(
            user=khanh_hoa.commune_officer,
            branch=khanh_hoa.ba_ngoi_branch,
            joined_on=D(2025, 1, 5),
            data=data,
        )

    assert refused.value.field == field
    assert not Member.objects.exists()


def test_members_belong_to_a_branch_not_a_commune(khanh_hoa) -> None:
    with pytest.raises(MemberError) as refused:
        add_member(
            user=khanh_hoa.commune_officer,
            branch=khanh_hoa.ba_ngoi,
            joined_on=D(2025, 1, 5),
            data=MemberData("Lò Thị Hoa", birth_year=1990),
        )
    assert refused.value.field == "branch"


def test_ethnic_minority_follows_from_ethnicity(khanh_hoa) -> None:
    tay = factories.member(khanh_hoa.ba_ngoi_branch, "Nông Thị Hà", ethnicity="02")
    kinh = factories.member(khanh_hoa.ba_ngoi_branch, "Lê Thị Hà", ethnicity="01")

    assert tay.is_ethnic_minority and not kinh.is_ethnic_minority
    minority = selectors.register_page(khanh_hoa.commune_officer, MemberFilter(flag="minority"))
    assert list(minority) == [tay]


def test_filters_by_status_flag_and_age_group(khanh_hoa) -> None:
    branch = khanh_hoa.ba_ngoi_branch
    young = factories.member(branch, "Lê Thị Ngọc", birth_year=2000, household="poor")
    factories.member(branch, "Lê Thị Bích", birth_year=1960, has_disability=True)
    gone = factories.member(branch, "Lê Thị Yến", birth_year=1970)
    change_status(user=khanh_hoa.commune_officer, member=gone, status="left", on=D(2025, 1, 1))
    officer = khanh_hoa.commune_officer
    today = datetime.date(2025, 6, 1)

    def names(wanted: MemberFilter) -> set[str]:
        qs = selectors.filter_members(visible_members(officer), wanted, today=today)
        return {m.full_name for m in qs}

    assert names(MemberFilter(status="left")) == {"Lê Thị Yến"}
    assert names(MemberFilter(flag="poor")) == {"Lê Thị Ngọc"}
    assert names(MemberFilter(flag="disability")) == {"Lê Thị Bích"}
    assert names(MemberFilter(age="18-35")) == {young.full_name}
    assert names(MemberFilter(age="56-")) == {"Lê Thị Bích"}


def test_move_keeps_history_and_is_not_a_new_member(khanh_hoa) -> None:
    branch1 = khanh_hoa.ba_ngoi_branch
    branch2 = factories.branch(khanh_hoa.ba_ngoi, 2)
    member = factories.member(branch1, joined_on=D(2024, 5, 1))

    move_member(user=khanh_hoa.commune_officer, member=member, to_branch=branch2, on=D(2025, 3, 10))

    stretches = list(member.memberships.values_list("branch", "started_on", "ended_on", "joined"))
    assert stretches == [
        (branch1.pk, D(2024, 5, 1), D(2025, 3, 10), True),
        (branch2.pk, D(2025, 3, 10), None, False),
    ]
    assert selectors.new_members(branch2, D(2025, 1, 1), D(2025, 12, 31)) == 0
    assert selectors.active_members_on(branch1, D(2025, 3, 9)) == 1
    assert selectors.active_members_on(branch1, D(2025, 3, 31)) == 0
    assert selectors.active_members_on(branch2, D(2025, 3, 31)) == 1
    assert selectors.active_members_on(khanh_hoa.ba_ngoi, D(2025, 3, 31)) == 1


def test_counts_per_period_with_joins_moves_and_deaths(khanh_hoa) -> None:
    """Hand-computed: Ba Ngòi has branches 1 and 2, Nha Trang one branch.

    - An (Ba Ngòi 1) joined 2024-11-20, still active;
    - Bình (Ba Ngòi 1) joined 2025-01-15, moved to Ba Ngòi 2 on 2025-02-10;
    - Chi (Ba Ngòi 2) joined 2025-01-31, died 2025-03-05;
    - Dung (Nha Trang 1) joined 2025-02-01, moved away (status moved) on 2025-02-28;
    - Hạnh (Ba Ngòi 1) joined 2025-03-01, left 2025-03-31.
    """
    officer = factories.UserFactory(username="tinh.kh.nhap")
    factories.AssignmentFactory(user=officer, unit=khanh_hoa.province)
    bn1, bn2 = khanh_hoa.ba_ngoi_branch, factories.branch(khanh_hoa.ba_ngoi, 2)
    nt1 = factories.branch(khanh_hoa.nha_trang, 1)
    factories.member(bn1, "Nguyễn Thị An", joined_on=D(2024, 11, 20))
    binh = factories.member(bn1, "Trần Thị Bình", joined_on=D(2025, 1, 15))
    chi = factories.member(bn2, "Lê Thị Chi", joined_on=D(2025, 1, 31))
    dung = factories.member(nt1, "Phạm Thị Dung", joined_on=D(2025, 2, 1))
    hanh = factories.member(bn1, "Hoàng Thị Hạnh", joined_on=D(2025, 3, 1))
    move_member(user=officer, member=binh, to_branch=bn2, on=D(2025, 2, 10))
    change_status(user=officer, member=chi, status="deceased", on=D(2025, 3, 5))
    change_status(user=officer, member=dung, status="moved", on=D(2025, 2, 28))
    change_status(user=officer, member=hanh, status="left", on=D(2025, 3, 31))

    def new(unit, month: int) -> int:
        return selectors.new_members(unit, D(2025, month, 1), month_end(D(2025, month, 1)))

    province, ba_ngoi = khanh_hoa.province, khanh_hoa.ba_ngoi
    assert [new(ba_ngoi, m) for m in (1, 2, 3)] == [2, 0, 1]
    assert [new(province, m) for m in (1, 2, 3)] == [2, 1, 1]
    assert selectors.new_members(bn2, D(2025, 1, 1), D(2025, 12, 31)) == 1  # Chi, not Bình
    ends = [D(2024, 12, 31), D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31)]
    assert [selectors.active_members_on(ba_ngoi, d) for d in ends] == [1, 3, 3, 2]
    # Dung is not counted on the day she moved away; Hạnh not on the day she left.
    assert [selectors.active_members_on(province, d) for d in ends] == [1, 3, 3, 2]
    assert [selectors.active_members_on(bn2, d) for d in ends] == [0, 1, 2, 1]

    rows = selectors.register_figures_by_child(province, D(2025, 1, 1), D(2025, 3, 31))
    by_unit = {r.unit: (r.new_members, r.active_at_end) for r in rows}
    assert by_unit[province] == (4, 2)
    assert by_unit[ba_ngoi] == (3, 2)
    assert by_unit[khanh_hoa.nha_trang] == (1, 0)


def test_status_rules(khanh_hoa) -> None:
    officer = khanh_hoa.commune_officer
    member = factories.member(khanh_hoa.ba_ngoi_branch, joined_on=D(2025, 1, 10))

    with pytest.raises(MemberError):
        change_status(user=officer, member=member, status="active", on=D(2025, 2, 1))
    with pytest.raises(MemberError):
        change_status(user=officer, member=member, status="left", on=D(2024, 12, 1))
    change_status(user=officer, member=member, status="deceased", on=D(2025, 2, 1))
    with pytest.raises(MemberError):
        change_status(user=officer, member=member, status="active", on=D(2025, 3, 1))


def test_a_member_who_returns_is_counted_again(khanh_hoa) -> None:
    officer = khanh_hoa.commune_officer
    member = factories.member(khanh_hoa.ba_ngoi_branch, joined_on=D(2024, 1, 10))
    change_status(user=officer, member=member, status="left", on=D(2024, 6, 1))
    change_status(user=officer, member=member, status="active", on=D(2025, 2, 1))

    assert selectors.active_members_on(khanh_hoa.ba_ngoi, D(2024, 12, 31)) == 0
    assert selectors.active_members_on(khanh_hoa.ba_ngoi, D(2025, 2, 28)) == 1
    assert selectors.new_members(khanh_hoa.ba_ngoi, D(2025, 1, 1), D(2025, 12, 31)) == 1


def test_anonymisation_erases_personal_fields_and_keeps_counts(khanh_hoa) -> None:
    officer = khanh_hoa.commune_officer
    member = factories.member(
        khanh_hoa.ba_ngoi_branch,
        "Hà Thị Xuân",
        joined_on=D(2025, 2, 3),
        phone="0905123456",
        ethnicity="17",
        religion="Hồi giáo",
        household="poor",
    )
    before = (
        selectors.new_members(khanh_hoa.ba_ngoi, D(2025, 1, 1), D(2025, 12, 31)),
        selectors.active_members_on(khanh_hoa.province, D(2025, 3, 31)),
    )

    anonymise_member(user=officer, member=member)

    member.refresh_from_db()
    assert (member.full_name, member.name_folded, member.phone, member.religion) == (
        "—",
        "",
        "",
        "",
    )
    assert (member.birth_year, member.birth_date, member.ethnicity, member.household) == (
        None,
        None,
        "",
        "",
    )
    assert _search(officer, "xuan") == []
    after = (
        selectors.new_members(khanh_hoa.ba_ngoi, D(2025, 1, 1), D(2025, 12, 31)),
        selectors.active_members_on(khanh_hoa.province, D(2025, 3, 31)),
    )
    assert after == before == (1, 1)
    assert Membership.objects.filter(member=member).count() == 1
    with pytest.raises(MemberError):
        update_member(user=officer, member=member, data=MemberData("Hà Thị Xuân", birth_year=1980))


def test_a_member_never_prints_personal_data() -> None:
    member = Member(pk=7, full_name="Nguyễn Thị Hoà", phone="0905123456")

    assert "Hoà" not in str(member) and "0905" not in str(member)


def test_status_is_recorded_with_its_date(khanh_hoa) -> None:
    member = factories.member(khanh_hoa.ba_ngoi_branch, joined_on=D(2025, 1, 10))

    change_status(user=khanh_hoa.commune_officer, member=member, status="moved", on=D(2025, 4, 2))

    member.refresh_from_db()
    assert (member.status, member.status_on) == (MemberStatus.MOVED, D(2025, 4, 2))
