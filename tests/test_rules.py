"""The aggregation rules as objects (indicators.figures.rules): the registry covers every rule of
the
model, and for every rule a table of children (`measures`, through indicators.figures.table) gives
each child the figure the one-unit computation (`measure`, through indicators.figures.engine) gives
it, in a number of queries that does not grow with the number of children."""

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.periods import parse_month
from indicators.figures.engine import figure
from indicators.figures.rules import RULES, AggregationRule, RateRule, SumRule, rule_for
from indicators.figures.table import figures_with_total
from indicators.models import Indicator, Rule
from members import lineage
from members.models import Unit
from members.services import get_or_create_central
from tests import factories
from tests.conftest import Khanhhoa
from tests.test_engine import (
    clean_households_coverage,
    computer,
    computer_coverage,
    enter,
    enter_rate,
    informed_share,
    parenting_sessions,
    startups,
    target,
)

pytestmark = pytest.mark.django_db

RANGES = [
    ("2025-01", "2025-03"),
    ("2025-02", "2025-02"),
    ("2024-01", "2025-06"),
    ("2025-01", "2025-12"),
    ("2016-01", "2016-12"),  # before the programs started: nothing is known
]


def test_the_registry_covers_every_rule_of_the_model() -> None:
    assert set(RULES) == set(Rule.values)
    for value, rule in RULES.items():
        assert issubclass(rule, AggregationRule)
        assert rule.value == value


def test_rule_for_binds_the_indicators_rule_and_refuses_an_unknown_one() -> None:
    indicator = Indicator(rule=Rule.RATE)
    assert isinstance(rule_for(indicator), RateRule)
    assert rule_for(indicator).indicator is indicator
    with pytest.raises(ValueError, match="unknown rule"):
        rule_for(Indicator(rule="median"))


def test_the_facts_other_modules_ask() -> None:
    flows = {value for value, rule in RULES.items() if rule.adds_up}
    percents = {value for value, rule in RULES.items() if rule.is_percent}
    typed = {value for value, rule in RULES.items() if rule.entered}
    assert flows == {Rule.SUM, Rule.CUMULATIVE}
    assert percents == {Rule.RATE, Rule.COVERAGE}
    assert typed == {Rule.SUM, Rule.CUMULATIVE, Rule.STOCK, Rule.RATE}
    assert {v for v, r in RULES.items() if r.sums_targets} == {
        Rule.SUM,
        Rule.CUMULATIVE,
        Rule.STOCK,
    }


class Cell:
    def __init__(
        self, value: int | None = None, num: int | None = None, den: int | None = None
    ) -> None:
        self.value = None if value is None else Decimal(value)
        self.numerator = None if num is None else Decimal(num)
        self.denominator = None if den is None else Decimal(den)


def test_entry_checks_of_a_rate_and_of_a_single_value() -> None:
    rate, flow = RateRule(Indicator(rule=Rule.RATE)), SumRule(Indicator(rule=Rule.SUM))
    assert [f for f, _m in rate.check_shape(Cell(value=3))] == ["value"]
    assert rate.check_shape(Cell(num=3, den=4)) == []
    assert [f for f, _m in rate.check_fraction(Cell(num=5, den=4))] == ["numerator"]
    assert [f for f, _m in rate.check_fraction(Cell(num=5))] == ["denominator"]
    assert [f for f, _m in rate.check_fraction(Cell(num=0, den=0))] == ["denominator"]
    assert [f for f, _m in flow.check_shape(Cell(num=3, den=4))] == ["value"]
    assert flow.check_shape(Cell(value=3)) == []


# --- a table of children against each child alone ----------------------------------------------


def _branches(kh: Khanhhoa) -> list[Unit]:
    return [
        kh.ba_ngoi_branch,
        factories.branch(kh.ba_ngoi, 2),
        factories.branch(kh.nha_trang, 1),
        factories.branch(kh.thuc_phan, 1),
    ]


def _sum(kh: Khanhhoa) -> Indicator:
    indicator = parenting_sessions()
    enter(indicator, kh.ba_ngoi, {"2024-12": 7, "2025-01": 4, "2025-02": 3, "2025-03": 5})
    enter(indicator, kh.nha_trang, {"2025-02": 2, "2025-06": 9})
    enter(indicator, kh.thuc_phan, {"2025-01": 1})
    return indicator


def _cumulative(kh: Khanhhoa) -> Indicator:
    indicator = startups()
    enter(indicator, kh.ba_ngoi, {"2017-03": 2, "2024-12": 4, "2025-02": 6})
    enter(indicator, kh.nha_trang, {"2025-01": 3})
    return indicator


def _stock(kh: Khanhhoa) -> Indicator:
    indicator = computer()
    enter(indicator, kh.ba_ngoi, {"2024-06": 0, "2025-02": 1})
    enter(indicator, kh.nha_trang, {"2025-01": 1, "2025-05": 0})
    return indicator


def _rate(kh: Khanhhoa) -> Indicator:
    indicator = informed_share()
    enter_rate(indicator, kh.ba_ngoi, {"2025-01": (30, 100), "2025-03": (45, 100)})
    enter_rate(indicator, kh.nha_trang, {"2025-02": (10, 40)})
    enter_rate(indicator, kh.thuc_phan, {"2024-11": (5, 50)})
    return indicator


def _coverage_of_a_stock(kh: Khanhhoa) -> Indicator:
    indicator = computer_coverage()
    assert indicator.source is not None
    enter(indicator.source, kh.ba_ngoi, {"2025-02": 1})
    enter(indicator.source, kh.nha_trang, {"2025-01": 0})
    return indicator


def _coverage_of_a_flow(kh: Khanhhoa) -> Indicator:
    """H-10 over the branches' H-09: the shares come from the coverage totals where they can."""
    indicator = clean_households_coverage()
    assert indicator.source is not None
    first, second, third, fourth = _branches(kh)
    enter(indicator.source, first, {"2025-01": 3, "2025-02": 2})
    enter(indicator.source, second, {"2025-02": 6})
    enter(indicator.source, third, {"2025-03": 1})
    enter(indicator.source, fourth, {"2024-12": 5})
    return indicator


BUILDERS: dict[str, Callable[[Khanhhoa], Indicator]] = {
    "sum": _sum,
    "cumulative": _cumulative,
    "stock": _stock,
    "rate": _rate,
    "coverage of a stock": _coverage_of_a_stock,
    "coverage of a flow": _coverage_of_a_flow,
}


def test_every_rule_has_a_case_below() -> None:
    assert {name.split()[0] for name in BUILDERS} == set(Rule.values)


def _shape(found: object) -> tuple[object, ...]:
    """What a table shows of a figure. (A coverage's counts of a unit below its level, which
    counts nothing, are 0/0 alone and absent in a table: neither is shown.)"""
    names = ("value", "target", "expected_by_now", "achievement", "status")
    return tuple(getattr(found, name) for name in names)


@pytest.mark.parametrize("case", list(BUILDERS))
def test_a_table_of_children_gives_each_child_its_own_figure(
    khanh_hoa: Khanhhoa, case: str
) -> None:
    kh = khanh_hoa
    indicator = BUILDERS[case](kh)
    target(indicator, kh.ba_ngoi, 2025, 10)
    target(indicator, kh.nha_trang, 2025, 5)
    central = get_or_create_central()
    for first, last in RANGES:
        start, end = parse_month(first), parse_month(last)
        for parent in (central, kh.province, kh.ba_ngoi):
            children = list(Unit.objects.filter(parent=parent).order_by("pk"))
            together, own = figures_with_total(indicator, parent, children, start, end)
            where = f"{case} {parent.name} {first}..{last}"
            assert _shape(own) == _shape(figure(indicator, parent, start, end)), where
            for child in children:
                alone = figure(indicator, child, start, end)
                assert _shape(together[child.pk]) == _shape(alone), f"{where}: {child.name}"


@pytest.mark.parametrize("case", list(BUILDERS))
def test_a_tables_queries_do_not_grow_with_its_rows(khanh_hoa: Khanhhoa, case: str) -> None:
    kh = khanh_hoa
    indicator = BUILDERS[case](kh)
    for name, code in (("Phường Cam Ranh", "22420"), ("Xã Vạn Ninh", "22480")):
        factories.commune(kh.province, name, code)
    start, end = datetime.date(2025, 1, 1), datetime.date(2025, 3, 1)
    children = list(Unit.objects.filter(parent=kh.province).order_by("pk"))
    counts = []
    for rows in (children[:1], children):
        province = Unit.objects.get(pk=kh.province.pk)  # a request's own object, nothing read yet
        lineage.forget()  # and no lineage kept by the process: both tables read the map
        with CaptureQueriesContext(connection) as queries:
            figures_with_total(indicator, province, rows, start, end)
        counts.append(len(queries))
    assert counts[0] == counts[1]
