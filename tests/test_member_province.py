"""The member's denormalised province (what a province's search reads first): right after
adding, importing, moving and the migration's backfill, and the search scoped by it."""

import datetime
import importlib
import io
import unicodedata
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from openpyxl import Workbook

from accounts.models import Role
from members import selectors
from members.imports import import_members
from members.models import Level, Member
from members.selectors import MemberFilter
from members.services import MemberData, add_member, move_member
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


def _user(username: str, *units, role: str = Role.ENTRY):
    user = factories.UserFactory(username=username)
    for unit in units:
        factories.AssignmentFactory(user=user, unit=unit, role=role)
    return user


def _search(user, text: str) -> list[str]:
    return sorted(m.full_name for m in selectors.register_page(user, MemberFilter(q=text)))


def test_province_of_a_unit_is_its_ancestor_at_depth_one(khanh_hoa) -> None:
    district = factories.UnitFactory(
        level=Level.DISTRICT, name="Huyện Cam Lâm", code="571", parent=khanh_hoa.province
    )
    legacy_commune = factories.commune(district, "Xã Cam Hải Tây", "22771")
    legacy_branch = factories.branch(legacy_commune, 1)

    assert khanh_hoa.province.province_pk() == khanh_hoa.province.pk
    assert khanh_hoa.ba_ngoi_branch.province_pk() == khanh_hoa.province.pk
    assert legacy_branch.province_pk() == khanh_hoa.province.pk
    assert khanh_hoa.province.parent.province_pk() is None


def test_adding_a_member_sets_the_province(khanh_hoa) -> None:
    member = add_member(
        user=khanh_hoa.commune_officer,
        branch=khanh_hoa.ba_ngoi_branch,
        joined_on=D(2025, 1, 5),
        data=MemberData("Võ Thị Sáu", birth_year=1990),
    )

    member.refresh_from_db()
    assert member.province_id == khanh_hoa.province.pk


def test_importing_members_sets_the_province(khanh_hoa) -> None:
    book = Workbook()
    book.active.append(["STT", "Họ và tên", "Năm sinh", "Dân tộc", "Ngày vào Hội"])
    book.active.append([1, "Nguyễn Thị Hoà", 1988, "Kinh", D(2024, 3, 8)])
    book.active.append([2, "Hoàng Thị Mai", 1979, "Tày", D(2025, 1, 15)])
    content = io.BytesIO()
    book.save(content)

    import_members(
        user=khanh_hoa.commune_officer, branch=khanh_hoa.ba_ngoi_branch, content=content.getvalue()
    )

    assert list(Member.objects.values_list("province_id", flat=True)) == [khanh_hoa.province.pk] * 2


def test_moving_a_member_within_and_across_provinces_keeps_the_province_right(khanh_hoa) -> None:
    national = _user("tw.nhap", khanh_hoa.province.parent)
    member = factories.member(khanh_hoa.ba_ngoi_branch, joined_on=D(2024, 5, 1))
    nha_trang_branch = factories.branch(khanh_hoa.nha_trang, 1)
    cao_bang_branch = factories.branch(khanh_hoa.thuc_phan, 1)

    move_member(user=national, member=member, to_branch=nha_trang_branch, on=D(2025, 2, 1))
    member.refresh_from_db()
    assert (member.branch_id, member.province_id) == (nha_trang_branch.pk, khanh_hoa.province.pk)

    move_member(user=national, member=member, to_branch=cao_bang_branch, on=D(2025, 3, 1))
    member.refresh_from_db()
    assert (member.branch_id, member.province_id) == (cao_bang_branch.pk, khanh_hoa.cao_bang.pk)
    assert _search(khanh_hoa.province_reviewer, "nguyen thi hoa") == []
    cao_bang_officer = _user("tinh.caobang", khanh_hoa.cao_bang)
    assert _search(cao_bang_officer, "nguyen thi hoa") == ["Nguyễn Thị Hoà"]


def test_backfill_sets_every_member_province_from_the_branch_path(khanh_hoa) -> None:
    ba_ngoi = factories.member(khanh_hoa.ba_ngoi_branch, "Trần Thị Lan")
    cao_bang = factories.member(factories.branch(khanh_hoa.thuc_phan, 1), "Lò Thị Vân")
    Member.objects.update(province=khanh_hoa.province.parent)  # all wrong
    migration = importlib.import_module("members.migrations.0005_member_province")

    editor = SimpleNamespace(connection=connection, execute=connection.cursor().execute)
    migration.backfill(apps, editor)

    assert Member.objects.get(pk=ba_ngoi.pk).province_id == khanh_hoa.province.pk
    assert Member.objects.get(pk=cao_bang.pk).province_id == khanh_hoa.cao_bang.pk


@pytest.mark.parametrize("stored_form", ["NFC", "NFD"])
def test_search_in_a_province_scope_ignores_diacritics_and_other_provinces(
    khanh_hoa, stored_form
) -> None:
    name = unicodedata.normalize(stored_form, "Nguyễn Thị Hoà")
    factories.member(khanh_hoa.ba_ngoi_branch, name)
    factories.member(factories.branch(khanh_hoa.nha_trang, 1), name, birth_year=1990)
    factories.member(factories.branch(khanh_hoa.thuc_phan, 1), name, birth_year=1970)
    factories.member(khanh_hoa.ba_ngoi_branch, "Trần Thị Lan")
    both = _user("hai.tinh", khanh_hoa.province, khanh_hoa.cao_bang, role=Role.VIEWER)
    national = _user("tw.xem", khanh_hoa.province.parent, role=Role.VIEWER)

    for typed_form in ("NFC", "NFD"):
        typed = unicodedata.normalize(typed_form, "nguyễn thị hoà")
        found = selectors.register_page(khanh_hoa.province_reviewer, MemberFilter(q=typed))
        assert sorted(m.birth_year for m in found) == [1985, 1990]
        assert {m.province_id for m in found} == {khanh_hoa.province.pk}
        assert _search(khanh_hoa.commune_officer, typed) == ["Nguyễn Thị Hoà"]
    assert len(_search(khanh_hoa.province_reviewer, "HOA NGUYEN")) == 2
    assert len(_search(both, "hoa nguyen")) == 3
    assert len(_search(national, "nguyen thi hoa")) == 3
    assert _search(khanh_hoa.province_reviewer, "tran thi lan") == ["Trần Thị Lan"]
