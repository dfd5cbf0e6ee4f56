"""Figures across the 2025 reform (PRODUCT.md, "history follows the successor"), computed by
hand on the tree of tests/reform_tree.py:

    Khánh Hòa: Diên Khánh (old) { A, B, S }, and from 2025-07-01 the new ABC and D
    Ninh Thuận (old, merged into Khánh Hòa): Ninh Hải { C, D cũ }
    ABC = A + B + C; D = D cũ + part of S; S split (belongs to Khánh Hòa)

Flow (sum; the cumulative reads the same months from 2017): A 2024-12: 1000, 2025-03: 1,
2025-06: 2; B 2025-06: 4; C 2025-05: 8; S 2025-06: 16; D cũ 2025-06: 32; ABC 2025-09: 100;
D 2025-10: 200.
- 2025: ABC 100+1+2+4+8 = 115; D 200+32 = 232; "không phân bổ được" S 16; Khánh Hòa 363.
- 2025-01..06 (the old map): Khánh Hòa A+B+S = 23, Diên Khánh 23, Ninh Thuận C+D cũ = 40.
- 2025-07..12: ABC 100, D 200, Khánh Hòa 300. 2024-12..2025-12: Khánh Hòa 1363.
Stock: 2025-06: A 5, B 6, C 7, S 9, D cũ 11; ABC 2025-12: 20; D none of its own.
- 2025: ABC 20 (its own), D 11 (D cũ's, its lineage), Khánh Hòa 31 (never 20+5+6+7+9+11).
- 2025-01..06: Khánh Hòa 5+6+9 = 20, Ninh Thuận 7+11 = 18. 2025-07..12: ABC 20, Khánh Hòa 20.
Rate: 2025-06: A 1/2, C 3/4, D cũ 1/4; ABC 2025-12: 5/10.
- 2025: ABC 50%, D 25% (D cũ's), Khánh Hòa (5+1)/(10+4) = 42.857...%.
Coverage of the flow, threshold 110, communes:
- 2025: ABC 115 and D 232 meet: 2 of 2 (100%); 2025-07..12: ABC 100 no, D 200 yes: 50%;
  2025-01..06: A 3, B 4, S 16 (the communes then): 0 of 3.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from common.periods import parse_month
from indicators.figures.engine import figure
from indicators.figures.table import figures_with_rest
from indicators.models import Indicator, Rule
from tests import factories, reform_tree
from tests.test_engine import enter, enter_rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree() -> reform_tree.Tree:
    return reform_tree.build()


def _indicator(code: str, rule: str, **extra: object) -> Indicator:
    program = factories.ProgramFactory(code="CT", start_year=2017, end_year=2027)
    return factories.IndicatorFactory(program=program, code=code, rule=rule, **extra)


FLOW = {
    "a": {"2024-12": 1000, "2025-03": 1, "2025-06": 2},
    "b": {"2025-06": 4},
    "c": {"2025-05": 8},
    "s": {"2025-06": 16},
    "d_old": {"2025-06": 32},
    "abc": {"2025-09": 100},
    "d": {"2025-10": 200},
}
STOCK = {"a": {"2025-06": 5}, "b": {"2025-06": 6}, "c": {"2025-06": 7}, "s": {"2025-06": 9},
         "d_old": {"2025-06": 11}, "abc": {"2025-12": 20}}  # fmt: skip
RATE = {"a": {"2025-06": (1, 2)}, "c": {"2025-06": (3, 4)}, "d_old": {"2025-06": (1, 4)},
        "abc": {"2025-12": (5, 10)}}  # fmt: skip


def flow(tree: reform_tree.Tree, rule: str = Rule.SUM) -> Indicator:
    indicator = _indicator("F-" + rule, rule)
    for name, values in FLOW.items():
        enter(indicator, getattr(tree, name), values)
    return indicator


def value(indicator: Indicator, unit, start: str, end: str) -> Decimal | None:
    return figure(indicator, unit, parse_month(start), parse_month(end)).value


def test_a_flow_adds_the_lineage(tree):
    sessions = flow(tree)

    assert value(sessions, tree.abc, "2025-01", "2025-12") == 115
    assert value(sessions, tree.d, "2025-01", "2025-12") == 232
    assert value(sessions, tree.kh, "2025-01", "2025-12") == 363
    assert value(sessions, tree.central, "2025-01", "2025-12") == 363


def test_a_flow_before_the_reform_is_the_old_map(tree):
    sessions = flow(tree)

    assert value(sessions, tree.kh, "2025-01", "2025-06") == 23
    assert value(sessions, tree.dien_khanh, "2025-01", "2025-06") == 23
    assert value(sessions, tree.nt, "2025-01", "2025-06") == 40
    assert value(sessions, tree.central, "2025-01", "2025-06") == 63
    assert value(sessions, tree.abc, "2025-01", "2025-06") is None
    # An old unit asked over a range past its end counts on its own last day.
    assert value(sessions, tree.nt, "2025-01", "2025-12") == 40


def test_a_flow_after_and_across_the_reform(tree):
    sessions = flow(tree)

    assert value(sessions, tree.abc, "2025-07", "2025-12") == 100
    assert value(sessions, tree.kh, "2025-07", "2025-12") == 300
    assert value(sessions, tree.kh, "2024-12", "2025-12") == 1363
    assert value(sessions, tree.abc, "2024-12", "2025-12") == 1115


def test_a_cumulative_adds_the_lineage_since_the_phase_began(tree):
    startups = flow(tree, Rule.CUMULATIVE)

    assert value(startups, tree.abc, "2025-12", "2025-12") == 1115
    assert value(startups, tree.d, "2025-12", "2025-12") == 232
    assert value(startups, tree.kh, "2025-12", "2025-12") == 1363
    assert value(startups, tree.kh, "2025-06", "2025-06") == 1023


def test_a_stock_counts_the_units_of_the_last_day_each_with_its_lineage(tree):
    models = _indicator("S-1", Rule.STOCK)
    for name, values in STOCK.items():
        enter(models, getattr(tree, name), values)

    assert value(models, tree.abc, "2025-01", "2025-12") == 20
    assert value(models, tree.d, "2025-01", "2025-12") == 11
    assert value(models, tree.kh, "2025-01", "2025-12") == 31
    assert value(models, tree.kh, "2025-01", "2025-06") == 20
    assert value(models, tree.nt, "2025-01", "2025-06") == 18
    assert value(models, tree.kh, "2025-07", "2025-12") == 20
    assert value(models, tree.central, "2025-01", "2025-12") == 31


def test_a_rate_counts_the_units_of_the_last_day_each_with_its_lineage(tree):
    informed = _indicator("R-1", Rule.RATE)
    for name, values in RATE.items():
        enter_rate(informed, getattr(tree, name), values)

    assert value(informed, tree.abc, "2025-01", "2025-12") == 50
    assert value(informed, tree.d, "2025-01", "2025-12") == 25
    got = figure(informed, tree.kh, parse_month("2025-01"), parse_month("2025-12"))
    assert (got.numerator, got.denominator) == (6, 14)


def test_coverage_counts_the_units_of_the_last_day_by_their_lineage(tree):
    sessions = flow(tree)
    covered = _indicator("C-1", Rule.COVERAGE, source=sessions, threshold=Decimal(110), unit="%")

    year = figure(covered, tree.kh, parse_month("2025-01"), parse_month("2025-12"))
    assert (year.numerator, year.denominator) == (2, 2)
    late = figure(covered, tree.kh, parse_month("2025-07"), parse_month("2025-12"))
    assert (late.numerator, late.denominator) == (1, 2)
    early = figure(covered, tree.kh, parse_month("2025-01"), parse_month("2025-06"))
    assert (early.numerator, early.denominator) == (0, 3)


def rows_add_up(indicator: Indicator, tree, start: str, end: str):
    children = [tree.abc, tree.d]
    rows, rest, total = figures_with_rest(
        indicator, tree.kh, children, parse_month(start), parse_month(end)
    )
    parts = [rows[c.pk].value for c in children] + [rest.value if rest else None]
    assert total.value == sum((p for p in parts if p is not None), Decimal(0))
    return rows, rest, total


def test_a_flow_table_adds_up_with_the_split_predecessors_row(tree):
    sessions = flow(tree)

    rows, rest, total = rows_add_up(sessions, tree, "2025-01", "2025-12")

    assert (rows[tree.abc.pk].value, rows[tree.d.pk].value) == (115, 232)
    assert rest is not None and rest.value == 16
    assert total.value == 363


def test_a_cumulative_table_adds_up(tree):
    startups = flow(tree, Rule.CUMULATIVE)

    rows, rest, total = rows_add_up(startups, tree, "2025-12", "2025-12")

    assert (rows[tree.abc.pk].value, rest and rest.value, total.value) == (1115, 16, 1363)


def test_a_stock_table_adds_up_with_nothing_left_over(tree):
    models = _indicator("S-1", Rule.STOCK)
    for name, values in STOCK.items():
        enter(models, getattr(tree, name), values)

    rows, rest, total = rows_add_up(models, tree, "2025-01", "2025-12")

    assert (rows[tree.abc.pk].value, rows[tree.d.pk].value, total.value) == (20, 11, 31)
    assert rest is None or rest.value is None


def test_the_national_table_follows_the_province_merger(tree):
    sessions = flow(tree)

    rows, rest, total = figures_with_rest(
        sessions, tree.central, [tree.kh], parse_month("2025-01"), parse_month("2025-12")
    )

    assert rows[tree.kh.pk].value == 363 == total.value
    assert rest is None or not rest.value
    old_map, _rest, old_total = figures_with_rest(
        sessions, tree.central, [tree.kh, tree.nt], parse_month("2025-01"), parse_month("2025-06")
    )
    assert (old_map[tree.kh.pk].value, old_map[tree.nt.pk].value, old_total.value) == (23, 40, 63)


def test_the_table_of_a_day_before_the_reform_is_unchanged(tree):
    sessions = flow(tree)

    rows, rest, total = figures_with_rest(
        sessions, tree.kh, [tree.dien_khanh], parse_month("2025-01"), parse_month("2025-06")
    )

    assert (rows[tree.dien_khanh.pk].value, total.value) == (23, 23)
    assert rest is None


def test_dates_are_dates():
    assert datetime.date(2025, 7, 1) == reform_tree.REFORM
