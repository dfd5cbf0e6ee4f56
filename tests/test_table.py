"""indicators.figures.table gives every child the figure engine.figure() gives it alone, for every
rule, on the Cao Bằng tree of the engine's tests (districts before the reform, communes)."""

import datetime
from decimal import Decimal

import pytest

from indicators.figures.engine import figure
from indicators.figures.table import figures_of, figures_with_total
from members.models import Unit
from tests.test_engine import (  # noqa: F401 (fixtures)
    cb,
    computers,
    informed,
    models_count,
    sessions,
    target,
)

pytestmark = pytest.mark.django_db
# The last range ends after the old districts ended (2025-06-30): each counts on its own map.
RANGES = [
    ("2025-01", "2025-03"),
    ("2025-02", "2025-02"),
    ("2024-01", "2025-06"),
    ("2025-01", "2025-09"),
]


def month(text: str) -> datetime.date:
    return datetime.date(int(text[:4]), int(text[5:]), 1)


def same_as_alone(indicator, parent: Unit, first: str, last: str) -> None:
    children = list(Unit.objects.filter(parent=parent))
    together, own = figures_with_total(indicator, parent, children, month(first), month(last))
    alone = figure(indicator, parent, month(first), month(last))
    assert (own.value, own.target, own.status) == (alone.value, alone.target, alone.status)
    for child in children:
        alone = figure(indicator, child, month(first), month(last))
        got = together[child.pk]
        assert (got.value, got.target, got.status) == (alone.value, alone.target, alone.status), (
            f"{indicator.code} {child.name} {first}..{last}"
        )


@pytest.mark.parametrize(("first", "last"), RANGES)
@pytest.mark.parametrize("rule", ["sessions", "models_count", "informed", "computers"])
def test_children_figures_equal_the_engines(request, cb, rule, first, last):  # noqa: F811
    indicator = request.getfixturevalue(rule)
    target(indicator, cb.ha_quang, 2025, 20)
    target(indicator, cb.thong_nong, 2025, 10)

    for parent in (cb.province, cb.ha_quang, cb.bao_lac):
        same_as_alone(indicator, parent, first, last)


def test_a_cumulative_from_the_phase_start(cb):  # noqa: F811
    from tests.test_engine import enter, startups

    indicator = startups()
    enter(indicator, cb.thong_nong, {"2017-03": 2, "2024-12": 4, "2025-02": 6})
    enter(indicator, cb.can_yen, {"2025-01": 3})

    same_as_alone(indicator, cb.province, "2025-01", "2025-02")
    same_as_alone(indicator, cb.ha_quang, "2025-01", "2025-02")
    together = figures_of(
        indicator, cb.ha_quang, [cb.thong_nong], month("2025-01"), month("2025-02")
    )
    assert together[cb.thong_nong.pk].value == Decimal(12)
