"""Branches across the 2025 reform: a lineage leaves the old branches without links of their own
out of its units (they belong where their commune does, computed on demand), and a coverage of
branches, whose old units no branch holds, reads the coverage totals even with a lineage. Both
must give what the full lineage and the live computation give.

The tree of tests/reform_tree.py with branches:

    Xã A (old) { A1 },  Xã S (old, split) { S1 },  Xã C (old, Ninh Thuận) { C1 }
    Xã ABC (new) { ABC1, ABC2 (closed 2025-09-30) },  Xã D (new) { D1 }

Branch flow: A1 2025-03: 6; S1 2025-06: 2; C1 2025-05: 9; ABC1 2025-09: 3; ABC2 2025-08: 8;
D1 2025-10: 5. Coverage: the share of branches whose flow over the range reaches 5.
- 2025: ABC = A1 + C1 + ABC1 + ABC2 = 26 (A and C merged into it), D 5, S1's 2 left over in
  Khánh Hòa's own row, Khánh Hòa 33. Branches in force on 2025-12-31: ABC1 (3, its own: no old
  branch merged into it) and D1 (5): 1 of 2.
- 2025-01..06, the old map: Khánh Hòa's branches A1 (6, meets) and S1 (2): 1 of 2.
- 2025-10: ABC1 no value, D1 5: 1 of 2 counted, 1 reporting.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from common.periods import parse_month
from indicators.figures import totals
from indicators.figures.engine import figure
from indicators.figures.rules import CoverageRule
from indicators.figures.table import figures_with_rest
from indicators.models import Indicator, Rule
from members.lineage import lineage
from members.models import Level, Unit
from tests import factories, reform_tree
from tests.test_engine import enter

pytestmark = pytest.mark.django_db
END_2025 = datetime.date(2025, 12, 31)


def _branch(parent: Unit, name: str, **dates: datetime.date) -> Unit:
    return factories.UnitFactory(level=Level.BRANCH, name=name, code="", parent=parent, **dates)


@pytest.fixture
def tree() -> dict[str, Unit]:
    t = reform_tree.build()
    old, new = {"valid_to": reform_tree.OLD_END}, {"valid_from": reform_tree.REFORM}
    return {
        "t": t,  # type: ignore[dict-item]
        "a1": _branch(t.a, "A1", **old),
        "s1": _branch(t.s, "S1", **old),
        "c1": _branch(t.c, "C1", **old),
        "abc1": _branch(t.abc, "ABC1", **new),
        "abc2": _branch(t.abc, "ABC2", **new, valid_to=datetime.date(2025, 9, 30)),
        "d1": _branch(t.d, "D1", **new),
    }


def _indicators(tree: dict[str, Unit]) -> tuple[Indicator, Indicator]:
    program = factories.ProgramFactory(code="CT", start_year=2017, end_year=2027)
    flow = factories.IndicatorFactory(
        program=program, code="B-1", rule=Rule.SUM, level=Level.BRANCH
    )
    values = {"a1": {"2025-03": 6}, "s1": {"2025-06": 2}, "c1": {"2025-05": 9},
              "abc1": {"2025-09": 3}, "abc2": {"2025-08": 8}, "d1": {"2025-10": 5}}  # fmt: skip
    for name, months in values.items():
        enter(flow, tree[name], months)
    share = factories.IndicatorFactory(
        program=program, code="B-2", rule=Rule.COVERAGE, level=Level.BRANCH, source=flow,
        threshold=Decimal(5), unit="%",
    )  # fmt: skip
    totals.rebuild([flow.pk])  # the coverage totals of the coverage just made
    return flow, share


def test_old_branches_are_placed_on_demand_where_their_commune_belongs(tree):
    t = tree["t"]
    found = lineage(t.kh, END_2025)

    assert tree["a1"].pk not in found.old and not found.is_empty
    assert found.place(tree["a1"].pk, tree["a1"].path, t.a.pk) == t.abc.path
    assert found.place(tree["s1"].pk, tree["s1"].path, t.s.pk) == t.kh.path  # split
    assert found.place(tree["abc2"].pk, tree["abc2"].path, t.abc.pk) == t.abc.path  # closed
    assert found.is_old(tree["a1"].pk)
    assert found.holder(tree["a1"].pk, Level.BRANCH) is None  # no branch holds it
    assert not found.holds(Level.BRANCH) and found.holds(Level.COMMUNE)


def test_an_old_unit_below_a_branch_keeps_every_old_branch(tree):
    t = tree["t"]
    group = factories.UnitFactory(
        level=Level.GROUP, name="Tổ 1", code="", parent=tree["a1"], valid_to=reform_tree.OLD_END
    )

    found = lineage(t.kh, END_2025)

    assert tree["a1"].pk in found.old
    assert found.home[group.pk] == found.home[tree["a1"].pk] == t.abc.path


def test_a_lineage_of_closed_branches_only_is_not_empty():
    province = factories.province("Tỉnh Cao Bằng", "04")
    commune = factories.commune(province, "Xã Quảng Lâm", "01279")
    _branch(commune, "Thôn cũ", valid_to=datetime.date(2025, 3, 31))

    found = lineage(province, END_2025)

    assert found.old == {} and not found.is_empty
    assert lineage(province, datetime.date(2025, 3, 31)).is_empty


def test_the_whole_country_with_branches_in_a_few_queries(tree, django_assert_max_num_queries):
    central = tree["t"].central
    with django_assert_max_num_queries(5):  # 4 to build it, 1 for the map's version
        found = lineage(central, END_2025)

    assert found.home[tree["t"].nt.pk] == tree["t"].kh.path


def test_a_branch_flow_follows_the_lineage_and_adds_up(tree):
    t = tree["t"]
    flow, _share = _indicators(tree)

    rows, rest, total = figures_with_rest(
        flow, t.kh, [t.abc, t.d], parse_month("2025-01"), parse_month("2025-12")
    )

    assert (rows[t.abc.pk].value, rows[t.d.pk].value) == (26, 5)
    assert rest is not None and rest.value == 2
    assert total.value == 33 == figure(flow, t.kh, parse_month("2025-01"), END_2025).value


def _shape(found):  # type: ignore[no-untyped-def]
    return (found.value, found.units_reporting, found.units_counted)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2025-01", "2025-12", (50, 2, 2)),  # a year: from the coverage totals
        ("2025-10", "2025-10", (50, 1, 2)),  # a month: from the coverage totals
        ("2025-07", "2025-12", (50, 2, 2)),  # no totals answer: live
        ("2025-01", "2025-06", (50, 2, 2)),  # the old map
    ],
)
def test_a_branch_coverage_equals_the_live_computation(tree, monkeypatch, start, end, expected):
    t = tree["t"]
    _flow, share = _indicators(tree)
    first, last = parse_month(start), parse_month(end)
    children = [t.abc, t.d] if last >= reform_tree.REFORM else [t.dien_khanh]

    rolled = figure(share, t.kh, first, last)
    rows, _rest, total = figures_with_rest(share, t.kh, children, first, last)
    with monkeypatch.context() as patched:
        patched.setattr(CoverageRule, "shares", lambda *args, **kwargs: None)
        alone = figure(share, t.kh, first, last)
        live_rows, _rest, live_total = figures_with_rest(share, t.kh, children, first, last)

    assert _shape(rolled) == _shape(alone) == _shape(total) == _shape(live_total) == expected
    assert {pk: _shape(f) for pk, f in rows.items()} == {
        pk: _shape(f) for pk, f in live_rows.items()
    }
