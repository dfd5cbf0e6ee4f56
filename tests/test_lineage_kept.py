"""Lineages kept across requests (members.lineage, members.mapversion): a kept lineage is read
again once anything it is built from changes, whichever path writes the change.

On the tree of tests/reform_tree.py, the flow of Xã ABC over 2025 is 115: its own 100 and its
predecessors' A 1+2, B 4, C 8 (tests/test_reform_figures.py). Each test reads it (which keeps
the lineage), changes the map through one write path, and reads it again through a fresh unit
object, as the next request would.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from indicators.figures.engine import figure
from indicators.models import Indicator
from members import mapversion
from members.lineage import lineage
from members.models import Level, Unit, UnitSuccession
from members.services import create_unit, load_units
from tests import factories, reform_tree
from tests.test_reform_figures import flow

pytestmark = pytest.mark.django_db
JAN, DEC = datetime.date(2025, 1, 1), datetime.date(2025, 12, 1)
END_2025 = datetime.date(2025, 12, 31)


@pytest.fixture
def tree() -> reform_tree.Tree:
    return reform_tree.build()


@pytest.fixture
def sums(tree: reform_tree.Tree) -> Indicator:
    indicator = flow(tree)
    assert _abc(tree, indicator) == 115  # kept from here on
    return indicator


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(factories.UserFactory(username="qt", is_superuser=True, is_staff=True))
    return client


def _abc(tree: reform_tree.Tree, indicator: Indicator) -> Decimal | None:
    """Xã ABC's 2025 figure as the next request computes it (a unit object of its own)."""
    return figure(indicator, Unit.objects.get(pk=tree.abc.pk), JAN, DEC).value


def _fresh(unit: Unit) -> Unit:
    return Unit.objects.get(pk=unit.pk)


def _c_in_force(tree: reform_tree.Tree, sums: Indicator) -> None:
    """C's dates cleared: it is no old unit (the figure alone would not tell a stale lineage,
    which reads C's dates again), and its results are its own."""
    assert tree.c.pk not in lineage(_fresh(tree.abc), END_2025).old
    assert _abc(tree, sums) == 107


def test_the_next_request_reuses_the_lineage_for_one_query(tree, django_assert_num_queries):
    first = lineage(_fresh(tree.kh), END_2025)
    scope = _fresh(tree.kh)

    with django_assert_num_queries(1):  # the map's version
        again = lineage(scope, END_2025)

    assert again is first
    assert again.scope is not scope  # it holds nothing of the request that built it


def test_renaming_a_unit_keeps_the_lineage(tree):
    first = lineage(_fresh(tree.kh), END_2025)
    Unit.objects.filter(pk=tree.c.pk).update(name="Xã C (đổi tên)")

    assert lineage(_fresh(tree.kh), END_2025) is first


def test_a_link_removed_in_the_admin(tree, sums, admin_client):
    link = UnitSuccession.objects.get(predecessor=tree.c, successor=tree.abc)
    url = reverse("admin:members_unitsuccession_delete", args=[link.pk])

    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert _abc(tree, sums) == 107


def test_a_link_added_in_the_admin(tree, sums, admin_client):
    UnitSuccession.objects.filter(predecessor=tree.c).delete()
    assert _abc(tree, sums) == 107
    url = reverse("admin:members_unitsuccession_add")
    data = {"predecessor": tree.c.pk, "successor": tree.abc.pk, "effective_on": "01/07/2025"}

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _abc(tree, sums) == 115


def test_a_units_dates_changed_in_the_admin(tree, sums, admin_client):
    url = reverse("admin:members_unit_change", args=[tree.c.pk])
    data = {"level": Level.COMMUNE, "code": tree.c.code, "name": tree.c.name, "short_name": "",
            "valid_from": "", "valid_to": ""}  # fmt: skip

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _fresh(tree.c).valid_to is None
    _c_in_force(tree, sums)


def test_a_unit_saved(tree, sums):
    c = _fresh(tree.c)
    c.valid_to = None
    c.save()

    _c_in_force(tree, sums)


def test_units_updated_in_bulk(tree, sums):
    c = _fresh(tree.c)
    c.valid_to = None
    Unit.objects.bulk_update([c], ["valid_to"])  # how load_units brings units up to date

    _c_in_force(tree, sums)


def test_a_queryset_update(tree, sums):
    Unit.objects.filter(pk=tree.c.pk).update(valid_to=None)

    _c_in_force(tree, sums)


def test_links_deleted_by_a_queryset(tree, sums):
    UnitSuccession.objects.filter(predecessor=tree.c).delete()

    assert _abc(tree, sums) == 107


def test_a_link_created(tree, sums):
    UnitSuccession.objects.filter(predecessor=tree.c).delete()
    assert _abc(tree, sums) == 107
    UnitSuccession.objects.create(predecessor=tree.c, successor=tree.abc, effective_on=JAN)

    assert _abc(tree, sums) == 115


def test_raw_sql(tree, sums):
    with connection.cursor() as cursor:  # as bench/national.py removes an earlier dataset
        cursor.execute("DELETE FROM members_unitsuccession WHERE predecessor_id = %s", [tree.c.pk])

    assert _abc(tree, sums) == 107


def test_a_unit_created_by_the_services(tree):
    lineage(_fresh(tree.kh), END_2025)
    e = create_unit(level=Level.COMMUNE, name="Xã E", parent=tree.dien_khanh, code="22504",
                    valid_to=reform_tree.OLD_END)  # fmt: skip

    assert e.pk in lineage(_fresh(tree.kh), END_2025).old


def test_a_unit_deleted(tree):
    e = factories.UnitFactory(level=Level.COMMUNE, name="Xã E", code="22504",
                              parent=tree.dien_khanh, valid_to=reform_tree.OLD_END)  # fmt: skip
    pk = e.pk
    assert pk in lineage(_fresh(tree.kh), END_2025).old
    e.delete()

    assert pk not in lineage(_fresh(tree.kh), END_2025).old


def test_load_units_adds_the_old_map() -> None:
    [new_only] = load_units(["Cao Bằng"], with_legacy=False)
    province = new_only.province
    assert lineage(_fresh(province), END_2025).is_empty

    [load] = load_units(["Cao Bằng"])

    assert load.successions > 0
    assert not lineage(_fresh(province), END_2025).is_empty


def test_a_rolled_back_change_never_serves_a_later_map(tree, sums):
    """The version is a sequence's number, not the last one plus one: the lineage built inside
    a transaction that rolled back is kept under a number no later map is given."""
    with pytest.raises(RuntimeError), transaction.atomic():
        UnitSuccession.objects.filter(predecessor=tree.c).delete()
        assert _abc(tree, sums) == 107
        raise RuntimeError("rolled back")
    assert _abc(tree, sums) == 115

    UnitSuccession.objects.filter(predecessor=tree.b).delete()  # another change, as many writes

    assert _abc(tree, sums) == 111  # 115 without B's 4, never the rolled-back 107


def test_the_version_moves_only_with_the_map(tree):
    before = mapversion.current()
    Unit.objects.filter(pk=tree.c.pk).update(short_name="C")
    assert mapversion.current() == before

    Unit.objects.filter(pk=tree.c.pk).update(valid_from=datetime.date(2000, 1, 1))
    assert mapversion.current() != before
