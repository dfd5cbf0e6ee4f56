"""A chart's targets (AggregationRule.targets_along, read once for all its points) are the
targets of each point (target_of) on the reform tree: a year across 2025-07-01 sums the old
district's target up to June and the new communes' from July."""

from __future__ import annotations

import datetime

import pytest

from common.periods import add_months
from indicators.figures.rules import rule_for
from indicators.models import Rule
from tests import reform_tree
from tests.test_engine import target
from tests.test_reform_figures import _indicator

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rule", [Rule.SUM, Rule.CUMULATIVE, Rule.STOCK, Rule.RATE])
def test_targets_along_a_year_across_the_reform_are_each_points(rule: str) -> None:
    tree = reform_tree.build()
    indicator = _indicator("T-1", rule)
    target(indicator, tree.dien_khanh, 2025, 50)
    target(indicator, tree.abc, 2025, 30)
    target(indicator, tree.d, 2025, 25)
    target(indicator, tree.abc, 2026, 70)
    target(indicator, tree.nt, 2026, 9)
    points = [add_months(datetime.date(2025, 1, 1), n) for n in range(15)]
    rule_object = rule_for(indicator)

    for unit in (tree.kh, tree.central, tree.abc, tree.nt):
        along = rule_object.targets_along(unit, points)
        assert along == [rule_object.target_of(unit, point) for point in points]

    along = dict(zip(points, rule_object.targets_along(tree.kh, points), strict=True))
    june, december, next_year = (
        datetime.date(*d) for d in ((2025, 6, 1), (2025, 12, 1), (2026, 3, 1))
    )
    if rule == Rule.RATE:  # percentages never add up
        assert set(along.values()) == {(None, None)}
        return
    assert along[june] == (50, datetime.date(2025, 12, 31))  # the old district's
    assert along[december] == (55, datetime.date(2025, 12, 31))  # ABC's 30 + D's 25
    assert along[next_year] == (70, datetime.date(2026, 12, 31))
