import datetime

import pytest

from members.models import Level, Unit
from members.services import create_unit, insert_units, load_units
from tests import factories

pytestmark = pytest.mark.django_db


def test_subtree_is_the_unit_and_every_descendant_in_one_query(
    django_assert_num_queries, khanh_hoa
) -> None:
    with django_assert_num_queries(1):
        names = {u.name for u in Unit.objects.subtree(khanh_hoa.province)}

    assert names == {"Tỉnh Khánh Hòa", "Phường Ba Ngòi", "Phường Nha Trang", "Chi hội Thôn 1"}


def test_subtree_without_self_leaves_out_the_unit(khanh_hoa) -> None:
    descendants = Unit.objects.subtree(khanh_hoa.ba_ngoi, include_self=False)

    assert list(descendants) == [khanh_hoa.ba_ngoi_branch]


def test_every_commune_under_a_province(khanh_hoa) -> None:
    communes = Unit.objects.subtree(khanh_hoa.province).at_level(Level.COMMUNE)

    assert {c.code for c in communes} == {"22735", "22333"}


def test_path_prefix_does_not_confuse_ids_that_share_digits(db) -> None:
    # "/…/700/" must not match "/…/7001/": the separator closes every id.
    central = factories.province().parent
    a, b = insert_units(
        [
            Unit(pk=700, level=Level.PROVINCE, name="Tỉnh A", code="91", parent=central),
            Unit(pk=7001, level=Level.PROVINCE, name="Tỉnh B", code="92", parent=central),
        ]
    )
    create_unit(level=Level.COMMUNE, name="Xã B1", code="99001", parent=b)

    assert list(Unit.objects.subtree(a)) == [a]


def test_ancestors_come_from_the_path_in_order(khanh_hoa) -> None:
    ancestors = list(Unit.objects.ancestors_of(khanh_hoa.ba_ngoi_branch))

    assert [u.level for u in ancestors] == [Level.CENTRAL, Level.PROVINCE, Level.COMMUNE]
    assert khanh_hoa.ba_ngoi_branch.is_within(khanh_hoa.province)


def test_within_any_joins_several_subtrees(khanh_hoa) -> None:
    units = Unit.objects.within_any([khanh_hoa.nha_trang, khanh_hoa.thuc_phan])

    assert {u.name for u in units} == {"Phường Nha Trang", "Phường Thục Phán"}


def test_the_map_before_and_after_the_2025_reform() -> None:
    [load] = load_units(["Cao Bằng"])
    children = Unit.objects.filter(parent=load.province)

    before = children.valid_on(datetime.date(2024, 12, 31))
    after = children.valid_on(datetime.date(2025, 7, 1))

    assert {u.level for u in before} == {Level.DISTRICT}
    assert before.count() == 10
    assert {u.level for u in after} == {Level.COMMUNE}
    assert after.count() == 56
