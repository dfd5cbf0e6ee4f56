"""The coverage totals (indicators.figures.coverage) give the same shares as the live computation,
kept current by every save and equal to a rebuild.

The Cao Bằng tree of the engine's tests, whose old districts, communes and branches end on
2025-06-30, plus the new Xã Bảo Lạc (from 2025-07-01) with two branches: H-10 is the share
of branches whose H-09 over the range reaches 5.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from common.periods import add_months
from indicators.cycle.entry import Entry
from indicators.cycle.recording import record_results
from indicators.figures import coverage, totals
from indicators.figures.engine import figure
from indicators.figures.rules import CoverageRule
from indicators.figures.table import figures_with_total
from indicators.models import CoverageTotal, Indicator
from members.models import Level, Unit
from tests import factories
from tests.test_engine import (  # noqa: F401 (fixture)
    OLD_MAP_ENDS,
    CaoBang,
    cb,
    clean_households,
    clean_households_coverage,
)

pytestmark = pytest.mark.django_db
NEW_MAP = datetime.date(2025, 7, 1)


def m(text: str) -> datetime.date:
    return datetime.date(int(text[:4]), int(text[5:]), 1)


@pytest.fixture
def tree(cb: CaoBang) -> dict[str, Unit]:  # noqa: F811
    """Every branch of the fixture ends with its commune; the new commune has two."""
    Unit.objects.filter(level=Level.BRANCH).update(valid_to=OLD_MAP_ENDS)
    new_bao_lac = factories.UnitFactory(
        level=Level.COMMUNE, name="Xã Bảo Lạc", code="01321", parent=cb.province,
        valid_from=NEW_MAP,
    )  # fmt: skip
    units = {u.name + str(u.pk): u for u in Unit.objects.filter(level=Level.BRANCH)}
    for number in (1, 2):
        branch = factories.UnitFactory(
            level=Level.BRANCH, name=f"Chi hội Bản {number}", code="", parent=new_bao_lac,
            valid_from=NEW_MAP,
        )  # fmt: skip
        units[f"new{number}"] = branch
    return {"province": cb.province, "new_bao_lac": new_bao_lac, **units}


def save(indicator: Indicator, unit: Unit, values: dict[str, int | None]) -> None:
    entries = [
        Entry(unit, indicator, m(month), None if v is None else Decimal(v))
        for month, v in values.items()
    ]
    record_results(entries, source="import")


def load(cao_bang: CaoBang, tree: dict[str, Unit]) -> Indicator:
    h10, h09 = clean_households_coverage(), clean_households()
    save(h09, cao_bang.thong_nong_1, {"2024-03": 2, "2024-05": 3, "2025-01": 1, "2025-04": 4})
    save(h09, cao_bang.thong_nong_2, {"2024-11": 6, "2025-02": 2, "2025-03": 2, "2025-06": 1})
    save(h09, cao_bang.can_yen_1, {"2023-12": 5, "2025-05": 0})
    save(h09, tree["new1"], {"2025-07": 3, "2025-09": 3})
    save(h09, tree["new2"], {"2025-08": 7})
    return h10


def ranges() -> list[tuple[datetime.date, datetime.date]]:
    """Single months, years to date and phases to date from 2023 to 2025, plus a range no
    totals answer (March–May)."""
    found = []
    for n in range(36):
        end = add_months(m("2023-01"), n)
        found += [(end, end), (end.replace(month=1), end), (m("2021-01"), end)]
    return [*found, (m("2025-03"), m("2025-05"))]


def shape(f):  # type: ignore[no-untyped-def]
    return (f.value, f.units_reporting, f.units_counted)


def live(monkeypatch: pytest.MonkeyPatch, fn):  # type: ignore[no-untyped-def]
    with monkeypatch.context() as patched:
        patched.setattr(CoverageRule, "shares", lambda *args, **kwargs: None)
        return fn()


def assert_same_as_live(h10: Indicator, units: list[Unit], monkeypatch: pytest.MonkeyPatch) -> None:
    for start, end in ranges():
        for unit in units:
            rolled = shape(figure(h10, unit, start, end))
            alone = live(monkeypatch, lambda u=unit, s=start, e=end: shape(figure(h10, u, s, e)))
            assert rolled == alone, (
                unit.name,
                start,
                end,
            )


def test_shares_equal_the_live_computation_for_every_scope(
    cb: CaoBang,  # noqa: F811
    tree: dict[str, Unit],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h10 = load(cb, tree)
    units = [cb.province, cb.ha_quang, cb.thong_nong, tree["new_bao_lac"]]
    assert_same_as_live(h10, units, monkeypatch)
    # A hand-computed one: the year 2025 to September, on the new map only (2 branches):
    # Bản 1 has 3 + 3 = 6, Bản 2 has 7: both meet.
    share = figure(h10, cb.province, m("2025-01"), m("2025-09"))
    assert (share.value, share.units_counted) == (100, 2)
    # To June 2025, the old map: Thôn 1 has 1 + 4 = 5 (meets), Thôn 2 has 5, Cần Yên 0: 2 of 3.
    share = figure(h10, cb.province, m("2025-01"), m("2025-06"))
    assert (share.value, share.units_counted) == (Decimal(200) / 3, 3)


def test_saves_move_the_totals_as_a_rebuild_would(
    cb: CaoBang,  # noqa: F811
    tree: dict[str, Unit],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h10 = load(cb, tree)
    h09 = clean_households()
    save(h09, cb.thong_nong_1, {"2025-04": 1, "2024-03": None})  # below the threshold, cleared
    save(h09, cb.can_yen_1, {"2025-05": 9, "2023-12": 4})  # now meets in May, not in 2023
    save(h09, tree["new2"], {"2025-08": None, "2025-10": 2})  # moved to October, below
    assert_same_as_live(h10, [cb.province, cb.thong_nong, tree["new_bao_lac"]], monkeypatch)

    def rows() -> set[tuple]:  # type: ignore[type-arg]
        found = CoverageTotal.objects.exclude(met=0, reported=0)
        return set(found.values_list("unit", "scope", "month", "valid_to", "met", "reported"))

    kept = rows()
    totals.rebuild()
    assert rows() == kept


def test_dashboard_rows_equal_the_live_computation(
    cb: CaoBang,  # noqa: F811
    tree: dict[str, Unit],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h10 = load(cb, tree)
    children = [tree["new_bao_lac"]]
    for start, end in ranges():
        if end < NEW_MAP:
            continue  # before the reform the province's children are the old districts
        rolled = figures_with_total(h10, cb.province, children, start, end)
        alone = live(
            monkeypatch,
            lambda s=start, e=end: figures_with_total(h10, cb.province, children, s, e),
        )
        assert shape(rolled[1]) == shape(alone[1])
        assert [shape(f) for f in rolled[0].values()] == [shape(f) for f in alone[0].values()]


def test_a_unit_whose_dates_change_moves_its_events(
    cb: CaoBang,  # noqa: F811
    tree: dict[str, Unit],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h10 = load(cb, tree)
    branch = Unit.objects.get(pk=cb.thong_nong_2.pk)
    before = coverage.validity(branch)
    branch.valid_to = datetime.date(2025, 3, 31)  # ended with a merger of villages
    branch.save()
    coverage.revalidate(branch, before)

    # To May 2025 only Thôn 1 and Cần Yên are counted now: Thôn 1 has 1 + 4 = 5 (meets).
    share = figure(h10, cb.province, m("2025-01"), m("2025-05"))
    assert (share.value, share.units_counted) == (50, 2)
    assert_same_as_live(h10, [cb.province, cb.thong_nong], monkeypatch)
