import datetime
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from common.periods import add_months
from demo.results import WINDOW_MONTHS, add_demo_results
from demo.services import add_demo_branches
from indicators.catalogue.services import DEFAULT_CATALOG_DIR, load_catalog
from indicators.figures import engine
from indicators.models import Indicator, Result, Rule
from members.models import Level, Unit
from members.services import load_units

pytestmark = pytest.mark.django_db

LAST_MONTH = datetime.date(2026, 10, 1)
REFORM = datetime.date(2025, 7, 1)


def _seed(names: list[str], last_month: datetime.date, catalog: Path) -> tuple[list[Unit], int]:
    provinces = [load.province for load in load_units(names)]
    for name in ("programs.csv", "indicators.csv"):  # the targets need the other provinces
        shutil.copy(DEFAULT_CATALOG_DIR / name, catalog / name)
    load_catalog(catalog)
    add_demo_branches(
        list(Unit.objects.within_any(provinces).filter(level=Level.COMMUNE).valid_on(REFORM))
    )
    return provinces, add_demo_results(provinces, last_month=last_month)


def _figure(code: str, unit: Unit, start: str, end: str) -> Decimal | None:
    first, last = (datetime.date.fromisoformat(f"{m}-01") for m in (start, end))
    return engine.figure(Indicator.objects.get(code=code), unit, first, last).value


def _rows() -> set[tuple[str, str, datetime.date, Decimal | None, Decimal | None, Decimal | None]]:
    return set(
        Result.objects.values_list(
            "unit__code", "indicator__code", "month", "value", "numerator", "denominator"
        )
    )


def _assert_entry_rules(last_month: datetime.date) -> None:
    """What the entry form enforces, on every result row."""
    indicators = {i.pk: i for i in Indicator.objects.select_related("program", "part_of")}
    units = {u.pk: u for u in Unit.objects.all()}
    values: dict[tuple[str, int, datetime.date], Decimal] = {}
    series: dict[tuple[str, int], list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    rows = Result.objects.values_list(
        "unit_id", "indicator_id", "month", "value", "numerator", "denominator"
    )
    for unit_id, indicator_id, month, value, num, den in rows:
        indicator, unit = indicators[indicator_id], units[unit_id]
        where = f"{indicator.code} {unit.name} {month}"
        assert indicator.rule != Rule.COVERAGE, where
        assert unit.level == indicator.level, where
        assert unit.is_valid_on(month), where
        assert month.day == 1 and month <= last_month, where
        assert indicator.program.start_year <= month.year <= indicator.program.end_year, where
        if indicator.rule == Rule.RATE:
            assert value is None and num is not None and den is not None, where
            assert num == int(num) and den == int(den) and 0 <= num <= den and den > 0, where
        else:
            assert value is not None and num is None and den is None, where
            assert value == int(value) and value >= 0, where
            values[(indicator.code, unit_id, month)] = value
            series[(indicator.code, unit_id)].append((month, value))
        if indicator.code == "H-05":
            assert Decimal("0.549") <= num / den <= Decimal("0.801"), where  # rounded
    for indicator in indicators.values():
        if indicator.part_of is None:
            continue
        for (code, unit_id, month), part in values.items():
            if code == indicator.code:
                assert part <= values[(indicator.part_of.code, unit_id, month)], (code, month)
    for (code, _unit_id), points in series.items():
        numbers = [value for _month, value in sorted(points)]
        if code == "H-15":  # a computer, once there, stays
            assert set(numbers) <= {0, 1} and numbers == sorted(numbers)
        if code == "H-07":
            assert all(1 <= n <= 4 for n in numbers)
        if code == "938-01":
            assert all(0 <= n <= 3 for n in numbers)


def test_reported_figures_come_out_of_the_engine_and_a_second_run_adds_nothing(
    tmp_path: Path,
) -> None:
    (quang_ninh, hue), created = _seed(["Quảng Ninh", "Thừa Thiên Huế"], LAST_MONTH, tmp_path)
    assert hue.code == "46"

    assert _figure("939-01", quang_ninh, "2017-01", "2023-12") == 2238
    assert _figure("939-03", quang_ninh, "2017-01", "2023-12") == 22
    assert _figure("939-02", quang_ninh, "2023-01", "2023-12") == 100
    assert _figure("939-06", quang_ninh, "2024-04", "2024-09") == 6
    assert _figure("939-01", hue, "2018-01", "2018-12") == 116
    assert _figure("938-03", hue, "2018-01", "2018-12") == 565
    # CTH starts in 2021: Huế's 2018 figures of the Union's indicators have no place.
    assert _figure("H-04", hue, "2018-01", "2018-12") is None
    assert not Result.objects.filter(indicator__program__code="CTH", month__year__lt=2021)

    assert created == Result.objects.count() > 0
    assert add_demo_results([quang_ninh, hue], last_month=LAST_MONTH) == 0
    assert Result.objects.count() == created


def test_every_result_keeps_the_entry_rules_over_eighteen_months(tmp_path: Path) -> None:
    (hue,), created = _seed(["Thừa Thiên Huế"], LAST_MONTH, tmp_path)

    _assert_entry_rules(LAST_MONTH)
    window = [add_months(LAST_MONTH, n - WINDOW_MONTHS + 1) for n in range(WINDOW_MONTHS)]
    months_by_unit: dict[int, set[datetime.date]] = defaultdict(set)
    new_members = Result.objects.filter(indicator__code="H-04", unit__path__startswith=hue.path)
    for unit_id, month in new_members.values_list("unit_id", "month"):
        months_by_unit[unit_id].add(month)
    assert set().union(*months_by_unit.values()) == set(window)
    communes = Unit.objects.subtree(hue).filter(level=Level.COMMUNE)
    for commune in communes:
        expected = {m for m in window if commune.is_valid_on(m)}
        assert months_by_unit[commune.pk] == expected, commune.name
        assert len(expected) == (16 if commune.valid_from == REFORM else 2)
    # Branches report H-09 from the reform on; coverage of H-05 >= 60% is a real mix.
    assert Result.objects.filter(indicator__code="H-09", unit__level=Level.BRANCH).exists()
    share = _figure("H-06", hue, "2026-10", "2026-10")
    assert share is not None and 0 < share < 100

    rows = _rows()
    Result.objects.all().delete()
    assert add_demo_results([hue], last_month=LAST_MONTH) == created
    assert _rows() == rows  # the same rows again: nothing drawn from the global random


def test_figures_hold_when_the_window_covers_their_periods(tmp_path: Path) -> None:
    last_month = datetime.date(2024, 12, 1)
    (quang_ninh,), _created = _seed(["Quảng Ninh"], last_month, tmp_path)

    assert _figure("939-01", quang_ninh, "2017-01", "2023-12") == 2238
    assert _figure("939-03", quang_ninh, "2017-01", "2023-12") == 22
    assert _figure("939-02", quang_ninh, "2023-01", "2023-12") == 100
    assert _figure("939-06", quang_ninh, "2024-04", "2024-09") == 6
    # The generator fills the window around the figures, never inside what they cover.
    start_ups = Result.objects.filter(indicator__code="939-01")
    assert start_ups.filter(month__year=2024).exists()
    assert not start_ups.filter(month__lt=datetime.date(2023, 12, 1)).exists()
    _assert_entry_rules(last_month)
