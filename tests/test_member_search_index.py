"""The name search's indexes per province (members/search_index.py) and the search shapes that
use them: every province gets its indexes when it is created and loses them when it goes,
province officers are scoped by the province column alone, and the pages come out the same
rows in the same order whichever index answers."""

import importlib
import io
import unicodedata
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from accounts.models import Role
from members import search_index, selectors
from members.models import Member, Unit
from members.selectors import MemberFilter, Scope
from tests import factories

pytestmark = pytest.mark.django_db


def _indexes_of(province: Unit) -> set[str]:
    return set(search_index.index_names(province.pk)) & search_index.existing_indexes()


def _user(username: str, *units, role: str = Role.VIEWER):
    user = factories.UserFactory(username=username)
    for unit in units:
        factories.AssignmentFactory(user=user, unit=unit, role=role)
    return user


def test_a_new_province_gets_its_name_indexes_and_loses_them_when_deleted(khanh_hoa) -> None:
    quang_ninh = factories.province("Tỉnh Quảng Ninh", "22")

    assert _indexes_of(quang_ninh) == {
        f"member_name_trgm_p{quang_ninh.pk}",
        f"member_name_order_p{quang_ninh.pk}",
    }
    assert len(_indexes_of(khanh_hoa.province)) == 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
            [f"member_name_trgm_p{quang_ninh.pk}"],
        )
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition
    assert f"province_id = {quang_ninh.pk}" in definition

    Unit.objects.filter(pk=quang_ninh.pk).delete()
    report = search_index.sync_province_indexes()

    assert sorted(report.dropped) == sorted(search_index.index_names(quang_ninh.pk))
    assert _indexes_of(quang_ninh) == set()
    assert len(_indexes_of(khanh_hoa.province)) == 2


def test_syncing_again_changes_nothing_and_the_command_restores_a_lost_index(khanh_hoa) -> None:
    assert search_index.sync_province_indexes().created == []

    lost = f"member_name_order_p{khanh_hoa.cao_bang.pk}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{lost}"')
    output = io.StringIO()
    call_command("member_search_indexes", stdout=output)

    assert lost in search_index.existing_indexes()
    assert output.getvalue().startswith("created 1, dropped 0 indexes")
    assert search_index.sync_province_indexes().created == []


def test_the_migration_builds_the_indexes_and_its_way_back_drops_them(khanh_hoa) -> None:
    migration = importlib.import_module("members.migrations.0007_member_name_indexes_per_province")
    editor = SimpleNamespace(connection=connection)

    migration.drop(apps, editor)
    assert search_index.existing_indexes() == set()

    migration.create(apps, editor)
    assert _indexes_of(khanh_hoa.province) | _indexes_of(khanh_hoa.cao_bang) == set(
        search_index.index_names(khanh_hoa.province.pk)
    ) | set(search_index.index_names(khanh_hoa.cao_bang.pk))


def test_scope_kinds_follow_the_assignments(khanh_hoa) -> None:
    national = _user("tw.xem", khanh_hoa.province.parent)
    mixed = _user("tinh.va.xa", khanh_hoa.province, khanh_hoa.thuc_phan)

    assert selectors.member_scope(khanh_hoa.province_reviewer)[1] == Scope.PROVINCES
    assert selectors.member_scope(khanh_hoa.commune_officer)[1] == Scope.BRANCHES
    assert selectors.member_scope(khanh_hoa.branch_viewer)[1] == Scope.BRANCHES
    assert selectors.member_scope(mixed)[1] == Scope.BRANCHES
    assert selectors.member_scope(national)[1] == Scope.NATIONAL


def test_a_province_officer_sees_exactly_the_members_of_the_province_branches(khanh_hoa) -> None:
    ba_ngoi = factories.member(khanh_hoa.ba_ngoi_branch, "Trần Thị Lan")
    nha_trang = factories.member(factories.branch(khanh_hoa.nha_trang, 2), "Lê Thị Mai")
    factories.member(factories.branch(khanh_hoa.thuc_phan, 1), "Lò Thị Vân")

    seen = selectors.visible_members(khanh_hoa.province_reviewer)

    assert set(seen) == {ba_ngoi, nha_trang}
    assert set(seen) == set(Member.objects.in_subtree(khanh_hoa.province))
    # Scoped by the province column alone: the query reads no unit (no join, no subquery).
    assert "members_unit" not in str(seen.query)


@pytest.mark.parametrize("stored_form", ["NFC", "NFD"])
def test_every_scope_pages_the_same_members_in_the_same_order(khanh_hoa, stored_form) -> None:
    names = [
        "Nguyễn Thị Hoà", "Nguyễn Thị Hoài", "Hoàng Thị Hoa", "Trần Ngọc Hoà", "Nguyễn Hoà",
        "Lê Thị Thoa", "Phạm Thị Lan",
    ]  # fmt: skip
    branches = [khanh_hoa.ba_ngoi_branch, factories.branch(khanh_hoa.ba_ngoi, 2)]
    for number, name in enumerate(names * 3):
        factories.member(
            branches[number % 2], unicodedata.normalize(stored_form, name), birth_year=1960 + number
        )
    factories.member(factories.branch(khanh_hoa.thuc_phan, 1), "Nguyễn Thị Hoà")
    national = _user("tw.xem", khanh_hoa.province.parent)
    wanted = MemberFilter(q=unicodedata.normalize("NFD", "HOÀ"))
    expected = sorted(
        Member.objects.filter(province=khanh_hoa.province, name_folded__contains="hoa"),
        key=lambda m: (m.name_folded, m.pk),
    )
    assert len(expected) == 18  # every name but Phạm Thị Lan, three times

    for user in (khanh_hoa.province_reviewer, khanh_hoa.commune_officer):
        first = selectors.register_rows(user, wanted, 0, 10)
        second = selectors.register_rows(user, wanted, 10, 20)
        assert first + second == expected
        assert [m.branch.name for m in first[:2]]  # branches come with the rows
    across = selectors.register_rows(national, wanted, 0, 50)
    assert len(across) == 19
    assert [m for m in across if m.province_id == khanh_hoa.province.pk] == expected


def test_a_commune_officer_search_finds_names_without_diacritics(khanh_hoa) -> None:
    factories.member(khanh_hoa.ba_ngoi_branch, unicodedata.normalize("NFD", "Đặng Thị Ánh"))
    factories.member(factories.branch(khanh_hoa.nha_trang, 1), "Đặng Thị Ánh")

    found = selectors.register_rows(khanh_hoa.commune_officer, MemberFilter(q="dang anh"), 0, 51)

    assert [m.branch_id for m in found] == [khanh_hoa.ba_ngoi_branch.pk]


def test_words_too_short_for_a_trigram_are_still_matched_anywhere_in_the_name(khanh_hoa) -> None:
    for name in ("Lê Thị Ly", "Nguyễn Thị Vy Ly", "Lý Thị Hà", "Phạm Thị Mỹ", "Lê Hà My"):
        factories.member(khanh_hoa.ba_ngoi_branch, name)
    national = _user("tw.xem", khanh_hoa.province.parent)

    def names(user, text: str) -> list[str]:
        return [m.full_name for m in selectors.register_rows(user, MemberFilter(q=text), 0, 9)]

    for user in (khanh_hoa.province_reviewer, khanh_hoa.commune_officer, national):
        assert names(user, "LY") == ["Lê Thị Ly", "Lý Thị Hà", "Nguyễn Thị Vy Ly"]
        assert names(user, "my le") == ["Lê Hà My"]
        assert names(user, "_") == names(user, "%") == []
    # No trigram to look up: the words are matched by an expression no trigram index serves.
    query = str(selectors.register_page(khanh_hoa.province_reviewer, MemberFilter(q="ly")).query)
    assert "STRPOS" in query.upper()
    assert "LIKE" not in query.upper()
