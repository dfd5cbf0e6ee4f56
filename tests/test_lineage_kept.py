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
from indicators.figures.table import Reads, figures_with_rest
from indicators.models import Indicator, Rule
from members import mapversion
from members.lineage import Lineage, _Kept, lineage
from members.models import Level, Unit, UnitSuccession
from members.services import create_unit, load_units
from tests import factories, reform_tree
from tests.test_coverage_totals import NEW_MAP, load
from tests.test_engine import OLD_MAP_ENDS, cb  # noqa: F401 (fixture)
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


def test_the_units_of_a_table_follow_a_new_unit(tree):
    """What a table reads of the map (each unit at a level with its row) is kept with the
    lineage, and read again with it."""
    assert {pk for pk, *_rest in Reads().units(_fresh(tree.kh), Level.COMMUNE, DEC)} == {
        tree.a.pk, tree.b.pk, tree.s.pk, tree.c.pk, tree.d_old.pk, tree.abc.pk, tree.d.pk
    }  # fmt: skip
    e = create_unit(level=Level.COMMUNE, name="Xã E", parent=tree.kh, code="22505",
                    valid_from=reform_tree.REFORM)  # fmt: skip

    assert e.pk in {pk for pk, *_rest in Reads().units(_fresh(tree.kh), Level.COMMUNE, DEC)}


def test_the_units_a_coverage_counts_follow_a_new_branch(cb, monkeypatch):  # noqa: F811
    """The coverage totals' count of the units at the level per row is kept with the
    lineage (tests/test_coverage_totals.py's tree: in 2025 to September, 2 of 2 branches)."""
    new_bao_lac = factories.UnitFactory(level=Level.COMMUNE, name="Xã Bảo Lạc", code="01321",
                                        parent=cb.province, valid_from=NEW_MAP)  # fmt: skip
    tree = {"new_bao_lac": new_bao_lac}
    for number in (1, 2):
        tree[f"new{number}"] = factories.UnitFactory(
            level=Level.BRANCH, name=f"Chi hội Bản {number}", code="", parent=new_bao_lac,
            valid_from=NEW_MAP,
        )  # fmt: skip
    Unit.objects.filter(level=Level.BRANCH, valid_from=None).update(valid_to=OLD_MAP_ENDS)
    h10 = load(cb, tree)
    share = figure(h10, _fresh(cb.province), JAN, datetime.date(2025, 9, 1))
    assert (share.value, share.units_counted) == (100, 2)
    factories.UnitFactory(level=Level.BRANCH, name="Chi hội Bản 3", code="",
                          parent=tree["new_bao_lac"], valid_from=NEW_MAP)  # fmt: skip

    share = figure(h10, _fresh(cb.province), JAN, datetime.date(2025, 9, 1))

    assert (share.value, share.units_counted) == (Decimal(200) / 3, 3)


def _weighing(n: int) -> Lineage:
    found = Lineage(Unit(pk=n, path=f"/{n}/"), END_2025)
    found.home = {pk: "/1/" for pk in range(n)}
    return found


def test_the_kept_lineages_are_bounded_by_number_and_weight():
    kept = _Kept(size=3, budget=100)
    for n in (1, 2, 3):
        kept.put(("db", n, f"/{n}/", END_2025, 1), _weighing(n))
    assert kept.get(("db", 1, "/1/", END_2025, 1)) is not None  # now the most recently used
    kept.put(("db", 4, "/4/", END_2025, 1), _weighing(4))

    assert len(kept) == 3
    assert kept.get(("db", 2, "/2/", END_2025, 1)) is None  # the least recently used
    kept.put(("db", 90, "/90/", END_2025, 1), _weighing(90))  # 90 + 4 + 1 + 3 > 100

    assert kept.get(("db", 90, "/90/", END_2025, 1)) is not None
    assert kept.get(("db", 4, "/4/", END_2025, 1)) is not None
    assert kept.get(("db", 3, "/3/", END_2025, 1)) is None


def test_the_kept_lineages_are_weighed_again_now_and_then(monkeypatch):
    """A put weighs only the new lineage unless over a bound; every TRIM_EVERY puts all are
    weighed again, so a lineage whose memos grew after it was kept is dropped then."""
    from members import lineage as lineages

    monkeypatch.setattr(lineages, "TRIM_EVERY", 4)
    kept = _Kept(size=100, budget=100)
    grown = _weighing(10)
    kept.put(("db", 10, "/10/", END_2025, 1), grown)
    grown.home = {pk: "/1/" for pk in range(200)}  # its memos filled since
    weighed: list[int] = []
    monkeypatch.setattr(Lineage, "weight", lambda self: weighed.append(1) or len(self.home))
    for n in (1, 2):
        kept.put(("db", n, f"/{n}/", END_2025, 1), _weighing(n))
    assert len(weighed) == 2  # the new ones only
    assert kept.get(("db", 10, "/10/", END_2025, 1)) is grown

    kept.put(("db", 3, "/3/", END_2025, 1), _weighing(3))  # the 4th put: all weighed again

    assert kept.get(("db", 10, "/10/", END_2025, 1)) is None
    assert kept.get(("db", 3, "/3/", END_2025, 1)) is not None


def test_a_coverage_table_counts_a_new_commune(tree, sums):
    """The rows each commune counts in (CoverageRule.measures' map part) are kept with the
    lineage: the table of Khánh Hòa's communes over 2025 counts ABC and D (2 of 2 meet 110),
    then E too."""
    covered = factories.IndicatorFactory(program=sums.program, code="C-1", rule=Rule.COVERAGE,
                                         source=sums, threshold=Decimal(110), unit="%")  # fmt: skip
    children = [tree.abc, tree.d]
    _rows, _rest, total = figures_with_rest(covered, _fresh(tree.kh), children, JAN, DEC)
    assert (total.numerator, total.denominator) == (2, 2)
    create_unit(level=Level.COMMUNE, name="Xã E", parent=tree.kh, code="22505",
                valid_from=reform_tree.REFORM)  # fmt: skip

    _rows, _rest, total = figures_with_rest(covered, _fresh(tree.kh), children, JAN, DEC)

    assert (total.numerator, total.denominator) == (2, 3)


def test_a_request_that_kept_a_lineage_freezes_the_long_lived_objects(tree, monkeypatch):
    """gunicorn's workers (config/gunicorn.py) freeze what is alive after a request that kept
    a new lineage, so that the collector's full walks skip it; a request that kept none
    collects nothing."""
    from django.core.signals import request_finished

    from config import gunicorn
    from members import lineage as lineages

    gunicorn.post_worker_init(object())
    assert request_finished.disconnect(dispatch_uid="members.freeze_kept")  # it was connected
    collected: list[int] = []
    monkeypatch.setattr(lineages.gc, "collect", lambda: collected.append(1) or 0)
    monkeypatch.setattr(lineages, "FREEZE_EVERY_SECONDS", 0.0)
    lineages.forget()
    lineages.freeze_kept()  # whatever earlier tests kept
    collected.clear()
    frozen = lineages.gc.get_freeze_count()
    try:
        lineage(_fresh(tree.kh), END_2025)  # built and kept
        lineages.freeze_kept()
        assert collected == [1] and lineages.gc.get_freeze_count() > frozen

        lineage(_fresh(tree.kh), END_2025)  # found kept: nothing new to freeze
        lineages.freeze_kept()
        assert collected == [1]
    finally:
        lineages.gc.unfreeze()


def test_the_freezes_are_spaced_out(tree, monkeypatch):
    """Lineages kept one after the other (each commune's form) are collected and frozen once
    per FREEZE_EVERY_SECONDS, not after every request that kept one."""
    from members import lineage as lineages

    collected: list[int] = []
    clock = [1000.0]
    monkeypatch.setattr(lineages.gc, "collect", lambda: collected.append(1) or 0)
    monkeypatch.setattr(lineages.gc, "freeze", lambda: None)
    monkeypatch.setattr(lineages.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(lineages, "_last_freeze", float("-inf"))
    lineages.forget()
    lineage(_fresh(tree.kh), END_2025)
    lineages.freeze_kept()
    assert collected == [1]

    clock[0] += 1
    lineage(_fresh(tree.kh), datetime.date(2024, 12, 31))  # a new lineage, within the interval
    lineages.freeze_kept()
    assert collected == [1]

    clock[0] += lineages.FREEZE_EVERY_SECONDS
    lineages.freeze_kept()  # the one kept in between, at the first request after the interval
    assert collected == [1, 1]
    lineages.freeze_kept()  # nothing new since
    assert collected == [1, 1]
