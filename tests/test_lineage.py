"""members.lineage on the tree of tests/reform_tree.py (drawn there)."""

import datetime

import pytest

from members.lineage import common_path, lineage
from members.models import Level
from tests import reform_tree

pytestmark = pytest.mark.django_db
END_2025 = datetime.date(2025, 12, 31)


@pytest.fixture
def tree() -> reform_tree.Tree:
    return reform_tree.build()


def test_merged_communes_belong_to_their_successor_and_a_split_one_to_the_province(tree):
    found = lineage(tree.kh, END_2025)

    assert found.home[tree.a.pk] == found.home[tree.b.pk] == tree.abc.path
    assert found.home[tree.c.pk] == tree.abc.path  # from the merged-in province
    assert found.home[tree.d_old.pk] == tree.d.path
    assert found.home[tree.s.pk] == tree.kh.path  # split between ABC and D


def test_old_districts_and_the_merged_in_province_belong_to_the_new_province(tree):
    found = lineage(tree.kh, END_2025)

    assert found.home[tree.dien_khanh.pk] == tree.kh.path
    assert found.home[tree.ninh_hai.pk] == tree.kh.path
    assert found.home[tree.nt.pk] == tree.kh.path


def test_a_new_commune_sees_whole_old_trees_and_holds_only_its_own_predecessors(tree):
    found = lineage(tree.abc, END_2025)

    assert {tree.a.pk, tree.b.pk, tree.c.pk, tree.s.pk, tree.nt.pk} <= set(found.old)
    held = {pk for pk in found.old if found.holder(pk, Level.COMMUNE) == tree.abc.pk}
    assert held == {tree.a.pk, tree.b.pk, tree.c.pk}
    assert found.holder(tree.s.pk, Level.COMMUNE) is None  # belongs to the province
    assert found.holder(tree.d_old.pk, Level.COMMUNE) is None  # another commune's


def test_before_the_reform_nothing_has_ceased(tree):
    assert lineage(tree.kh, datetime.date(2025, 6, 30)).is_empty
    assert lineage(tree.central, datetime.date(2024, 12, 31)).is_empty


def test_an_old_unit_is_looked_at_on_its_own_last_day(tree):
    found = lineage(tree.dien_khanh, END_2025)

    assert found.day == reform_tree.OLD_END
    assert found.is_empty


def test_the_whole_country_in_a_few_queries(tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # 5 to build it, 1 for the map's version
        found = lineage(tree.central, END_2025)

    assert found.home[tree.nt.pk] == tree.kh.path


def test_common_path():
    assert common_path(["/1/5/9/", "/1/5/12/"]) == "/1/5/"
    assert common_path(["/1/5/9/"]) == "/1/5/9/"
    assert common_path(["/1/", "/2/"]) == ""
