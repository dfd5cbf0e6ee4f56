"""The aggregation engine against hand-computed figures, one rule at a time.

The tree is a slice of Cao Bằng on the pre-2025 map (real GSO codes):

    Tỉnh Cao Bằng (04)
    ├── Huyện Hà Quảng (045)
    │   ├── Thị trấn Thông Nông (01363) ── Chi hội Thôn 1, Chi hội Thôn 2
    │   ├── Xã Cần Yên (01366) ── Chi hội Thôn 1
    │   └── Xã Lương Thông (01372)
    └── Huyện Bảo Lạc (043)
        ├── Thị trấn Bảo Lạc (01321)
        └── Xã Cốc Pàng (01324)          (no branches)

Districts and communes end on 2025-06-30 (the old map); every expectation below is computed by
hand in the comment beside it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import pytest

from common.periods import parse_month
from indicators.figures import totals
from indicators.figures.base import Basis
from indicators.figures.engine import Figure, Status, figure, target_of, values_by_unit
from indicators.models import CollectionLevel, Indicator, Result, Rule, Target
from members.models import Level, Unit
from programs.models import Program
from tests import factories

pytestmark = pytest.mark.django_db

OLD_MAP_ENDS = datetime.date(2025, 6, 30)


@dataclass
class CaoBang:
    province: Unit
    ha_quang: Unit
    bao_lac: Unit
    thong_nong: Unit
    can_yen: Unit
    luong_thong: Unit
    tt_bao_lac: Unit
    coc_pang: Unit
    thong_nong_1: Unit
    thong_nong_2: Unit
    can_yen_1: Unit


def _old_unit(parent: Unit, level: str, name: str, code: str) -> Unit:
    return factories.UnitFactory(
        level=level, name=name, code=code, parent=parent, valid_to=OLD_MAP_ENDS
    )


@pytest.fixture
def cb(db: None) -> CaoBang:
    province = factories.province("Tỉnh Cao Bằng", "04")
    ha_quang = _old_unit(province, Level.DISTRICT, "Huyện Hà Quảng", "045")
    bao_lac = _old_unit(province, Level.DISTRICT, "Huyện Bảo Lạc", "043")
    thong_nong = _old_unit(ha_quang, Level.COMMUNE, "Thị trấn Thông Nông", "01363")
    can_yen = _old_unit(ha_quang, Level.COMMUNE, "Xã Cần Yên", "01366")
    luong_thong = _old_unit(ha_quang, Level.COMMUNE, "Xã Lương Thông", "01372")
    tt_bao_lac = _old_unit(bao_lac, Level.COMMUNE, "Thị trấn Bảo Lạc", "01321")
    coc_pang = _old_unit(bao_lac, Level.COMMUNE, "Xã Cốc Pàng", "01324")
    return CaoBang(
        province=province,
        ha_quang=ha_quang,
        bao_lac=bao_lac,
        thong_nong=thong_nong,
        can_yen=can_yen,
        luong_thong=luong_thong,
        tt_bao_lac=tt_bao_lac,
        coc_pang=coc_pang,
        thong_nong_1=factories.branch(thong_nong, 1),
        thong_nong_2=factories.branch(thong_nong, 2),
        can_yen_1=factories.branch(can_yen, 1),
    )


# --- programs and indicators (codes and names of the catalogue) --------------------------------


def da939() -> Program:
    return factories.ProgramFactory(code="DA939", start_year=2017, end_year=2025)


def da938() -> Program:
    return factories.ProgramFactory(
        code="DA938",
        name_vi="Đề án 938: Tuyên truyền, giáo dục, vận động, hỗ trợ phụ nữ tham gia giải quyết "
        "một số vấn đề xã hội liên quan đến phụ nữ giai đoạn 2017–2027",
        start_year=2017,
        end_year=2027,
    )


def cth() -> Program:
    return factories.ProgramFactory(
        code="CTH",
        name_vi="Chỉ tiêu công tác Hội và phong trào phụ nữ hằng năm",
        start_year=2021,
        end_year=2026,
    )


def startups() -> Indicator:
    """939-01, cumulative over the phase 2017–2025."""
    return factories.IndicatorFactory(
        program=da939(),
        code="939-01",
        name_vi="Số phụ nữ khởi sự kinh doanh, khởi nghiệp được hỗ trợ",
        unit="người",
        rule=Rule.CUMULATIVE,
    )


def informed_share() -> Indicator:
    """939-02, a rate."""
    return factories.IndicatorFactory(
        program=da939(),
        code="939-02",
        name_vi="Tỷ lệ hội viên được tuyên truyền, nâng cao nhận thức về khởi nghiệp",
        unit="%",
        rule=Rule.RATE,
    )


def models_938() -> Indicator:
    """938-01, a stock."""
    return factories.IndicatorFactory(
        program=da938(),
        code="938-01",
        name_vi="Số mô hình vận động, hỗ trợ phụ nữ tham gia giải quyết, giám sát vấn đề xã hội",
        unit="mô hình",
        rule=Rule.STOCK,
    )


def parenting_sessions() -> Indicator:
    """938-06, a flow."""
    return factories.IndicatorFactory(
        program=da938(),
        code="938-06",
        name_vi="Số buổi sinh hoạt giáo dục làm cha mẹ",
        unit="buổi",
        rule=Rule.SUM,
    )


def out_of_poverty() -> Indicator:
    """H-01, a flow with yearly targets."""
    return factories.IndicatorFactory(
        program=cth(),
        code="H-01",
        name_vi="Số hộ có phụ nữ nghèo, cận nghèo được giúp thoát nghèo, thoát cận nghèo",
        unit="hộ",
        rule=Rule.SUM,
    )


def new_members() -> Indicator:
    """H-04, a flow with yearly targets."""
    return factories.IndicatorFactory(
        program=cth(),
        code="H-04",
        name_vi="Số hội viên mới phát triển",
        unit="hội viên",
        rule=Rule.SUM,
    )


def computer() -> Indicator:
    """H-15, a stock (1 = the commune union has a networked computer)."""
    return factories.IndicatorFactory(
        program=cth(),
        code="H-15",
        name_vi="Hội LHPN xã được trang bị máy tính có kết nối mạng (1 = có, 0 = chưa)",
        unit="có/không",
        rule=Rule.STOCK,
    )


def computer_coverage() -> Indicator:
    """H-16: share of communes whose H-15 is ≥ 1."""
    return factories.IndicatorFactory(
        program=cth(),
        code="H-16",
        name_vi="Tỷ lệ Hội LHPN xã được trang bị máy tính có kết nối mạng",
        unit="%",
        rule=Rule.COVERAGE,
        source=computer(),
        threshold=Decimal(1),
    )


def clean_households() -> Indicator:
    """H-09, a flow entered per branch."""
    return factories.IndicatorFactory(
        program=cth(),
        code="H-09",
        name_vi="Số hộ gia đình được vận động, hỗ trợ đạt tiêu chí 5 không 3 sạch",
        unit="hộ",
        rule=Rule.SUM,
        level=CollectionLevel.BRANCH,
    )


def clean_households_coverage() -> Indicator:
    """H-10: share of branches whose H-09 over the range is ≥ 5."""
    return factories.IndicatorFactory(
        program=cth(),
        code="H-10",
        name_vi="Tỷ lệ chi hội vận động được ít nhất 05 hộ đạt tiêu chí 5 không 3 sạch",
        unit="%",
        rule=Rule.COVERAGE,
        level=CollectionLevel.BRANCH,
        source=clean_households(),
        threshold=Decimal(5),
    )


# --- helpers ------------------------------------------------------------------------------------


def enter(indicator: Indicator, unit: Unit, values: Mapping[str, int]) -> None:
    """One Result per month ("2025-03") with its value."""
    Result.objects.bulk_create(
        Result(indicator=indicator, unit=unit, month=parse_month(m), value=Decimal(v))
        for m, v in values.items()
    )
    totals.rebuild([indicator.pk])  # a bulk load: the month totals are rebuilt after it


def enter_rate(indicator: Indicator, unit: Unit, values: Mapping[str, tuple[int, int]]) -> None:
    """One Result per month with its numerator and denominator."""
    Result.objects.bulk_create(
        Result(
            indicator=indicator,
            unit=unit,
            month=parse_month(m),
            numerator=Decimal(num),
            denominator=Decimal(den),
        )
        for m, (num, den) in values.items()
    )
    totals.rebuild([indicator.pk])


def target(indicator: Indicator, unit: Unit, year: int, value: int) -> None:
    Target.objects.create(
        indicator=indicator, unit=unit, period_end=datetime.date(year, 12, 31), value=value
    )


def fig(indicator: Indicator, unit: Unit, start: str, end: str) -> Figure:
    return figure(indicator, unit, parse_month(start), parse_month(end))


def end_of(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


# --- sum ----------------------------------------------------------------------------------------


@pytest.fixture
def sessions(cb: CaoBang) -> Indicator:
    indicator = parenting_sessions()
    enter(indicator, cb.thong_nong, {"2024-12": 7, "2025-01": 4, "2025-02": 3, "2025-03": 5})
    enter(indicator, cb.thong_nong, {"2025-04": 9})
    enter(indicator, cb.can_yen, {"2025-01": 2, "2025-03": 6})
    enter(indicator, cb.luong_thong, {"2025-02": 1})
    enter(indicator, cb.tt_bao_lac, {"2025-01": 8, "2025-02": 2})
    # Xã Cốc Pàng enters nothing.
    return indicator


def test_sum_adds_the_months_of_the_range_at_a_commune(cb: CaoBang, sessions: Indicator) -> None:
    result = fig(sessions, cb.thong_nong, "2025-01", "2025-03")

    assert result.value == 12  # 4 + 3 + 5
    assert result.units_reporting == 1


def test_sum_ignores_months_outside_the_range(cb: CaoBang, sessions: Indicator) -> None:
    # December 2024 (7) and April 2025 (9) lie outside January–March.
    assert fig(sessions, cb.thong_nong, "2025-01", "2025-03").value == 12  # 4 + 3 + 5
    assert fig(sessions, cb.thong_nong, "2025-02", "2025-02").value == 3
    assert fig(sessions, cb.thong_nong, "2024-12", "2025-04").value == 28  # 7 + 4 + 3 + 5 + 9


def test_sum_of_a_district_adds_its_communes(cb: CaoBang, sessions: Indicator) -> None:
    result = fig(sessions, cb.ha_quang, "2025-01", "2025-03")

    # Thông Nông 4 + 3 + 5 = 12, Cần Yên 2 + 6 = 8, Lương Thông 1: 12 + 8 + 1 = 21.
    assert result.value == 21
    # Read from the month totals: the most communes in one month (January: Thông Nông and
    # Lương Thông; February: Thông Nông and Cần Yên), not the distinct count over the range.
    assert result.units_reporting == 2
    # Bảo Lạc: Thị trấn Bảo Lạc 8 + 2 = 10, Cốc Pàng nothing.
    assert fig(sessions, cb.bao_lac, "2025-01", "2025-03").value == 10
    assert fig(sessions, cb.bao_lac, "2025-01", "2025-03").units_reporting == 1


def test_sum_of_a_province_adds_its_districts(cb: CaoBang, sessions: Indicator) -> None:
    result = fig(sessions, cb.province, "2025-01", "2025-03")

    assert result.value == 31  # Hà Quảng 21 + Bảo Lạc 10
    # The most communes in one month: 3 in January (Thông Nông, Cần Yên, Thị trấn Bảo Lạc)
    # and in February (Thông Nông, Lương Thông, Thị trấn Bảo Lạc).
    assert result.units_reporting == 3


def test_sum_of_a_commune_without_results_is_none_not_zero(
    cb: CaoBang, sessions: Indicator
) -> None:
    result = fig(sessions, cb.coc_pang, "2025-01", "2025-03")

    assert result.value is None
    assert result.units_reporting == 0
    assert result.status == Status.NO_DATA


# --- cumulative ---------------------------------------------------------------------------------


def test_cumulative_is_the_running_total_from_the_program_start_across_a_year_boundary(
    cb: CaoBang,
) -> None:
    indicator = startups()  # program 2017–2025: the running total starts in January 2017
    enter(indicator, cb.thong_nong, {"2017-03": 2, "2023-11": 5, "2024-12": 4})
    enter(indicator, cb.thong_nong, {"2025-01": 3, "2025-02": 6, "2025-05": 10})
    enter(indicator, cb.coc_pang, {"2016-12": 99, "2024-06": 1})  # 2016: before the phase

    # Thông Nông to February 2025: 2 + 5 + 4 + 3 + 6 = 20 (May's 10 is after the range).
    assert fig(indicator, cb.thong_nong, "2025-01", "2025-02").value == 20
    # The range start does not matter, only its last month.
    assert fig(indicator, cb.thong_nong, "2024-12", "2025-02").value == 20
    assert fig(indicator, cb.thong_nong, "2025-02", "2025-02").value == 20
    # To January 2025: 2 + 5 + 4 + 3 = 14.
    assert fig(indicator, cb.thong_nong, "2024-11", "2025-01").value == 14
    # Province to February 2025: Thông Nông 20 + Cốc Pàng 1 (December 2016 is not counted) = 21.
    province = fig(indicator, cb.province, "2025-01", "2025-02")
    assert province.value == 21
    assert province.units_reporting == 1  # never two communes in the same month


def test_cumulative_for_a_range_ending_before_the_program_started_is_none(cb: CaoBang) -> None:
    indicator = startups()
    enter(indicator, cb.coc_pang, {"2016-12": 99})
    target(indicator, cb.province, 2025, 800)

    result = fig(indicator, cb.province, "2016-01", "2016-12")  # the phase starts in 2017

    assert result.value is None
    assert result.units_reporting == 0
    assert result.achievement is None
    assert result.status == Status.NO_DATA


def test_cumulative_values_by_unit_are_each_units_running_total(cb: CaoBang) -> None:
    indicator = startups()
    enter(indicator, cb.thong_nong, {"2017-03": 2, "2024-12": 4, "2025-01": 3})
    enter(indicator, cb.can_yen, {"2019-06": 7, "2025-06": 1})

    values = values_by_unit(indicator, cb.province, parse_month("2025-01"), parse_month("2025-03"))

    # Thông Nông 2 + 4 + 3 = 9; Cần Yên 7 (June 2025 is after the range).
    assert values == {cb.thong_nong.pk: 9, cb.can_yen.pk: 7}


# --- stock --------------------------------------------------------------------------------------


@pytest.fixture
def models_count(cb: CaoBang) -> Indicator:
    indicator = models_938()
    enter(indicator, cb.thong_nong, {"2025-01": 3, "2025-04": 5, "2025-07": 8})
    enter(indicator, cb.can_yen, {"2024-11": 2, "2025-02": 4})
    enter(indicator, cb.luong_thong, {"2024-10": 6})  # nothing in 2025
    # Huyện Bảo Lạc: nothing at all.
    return indicator


def test_stock_sums_each_units_latest_month_in_the_range(
    cb: CaoBang, models_count: Indicator
) -> None:
    result = fig(models_count, cb.ha_quang, "2025-01", "2025-06")

    # Thông Nông's latest in range is April (5; July's 8 is after it), Cần Yên's February (4);
    # Lương Thông's only value (October 2024) is before the range and does not count: 5 + 4 = 9,
    # not the sum of the months in range (3 + 5 + 4 = 12).
    assert result.value == 9
    assert result.units_reporting == 2
    assert fig(models_count, cb.province, "2025-01", "2025-06").value == 9
    assert fig(models_count, cb.thong_nong, "2025-01", "2025-03").value == 3  # January's


def test_stock_of_a_district_without_results_is_none(cb: CaoBang, models_count: Indicator) -> None:
    result = fig(models_count, cb.bao_lac, "2025-01", "2025-06")

    assert result.value is None
    assert result.units_reporting == 0
    assert result.status == Status.NO_DATA


# --- rate ---------------------------------------------------------------------------------------


@pytest.fixture
def informed(cb: CaoBang) -> Indicator:
    indicator = informed_share()
    enter_rate(indicator, cb.thong_nong, {"2025-01": (10, 100), "2025-03": (30, 50)})  # 60%
    enter_rate(indicator, cb.can_yen, {"2025-02": (180, 200)})  # 90%
    enter_rate(indicator, cb.luong_thong, {"2025-03": (30, 150), "2025-04": (9, 10)})  # 20%
    enter_rate(indicator, cb.tt_bao_lac, {"2025-03": (25, 100)})  # 25%
    return indicator


def test_rate_is_sum_of_numerators_over_sum_of_denominators(
    cb: CaoBang, informed: Indicator
) -> None:
    result = fig(informed, cb.province, "2025-01", "2025-03")

    # Latest month in range: Thông Nông March 30/50, Cần Yên February 180/200, Lương Thông
    # March 30/150 (April is after the range), Thị trấn Bảo Lạc March 25/100.
    # Σ numerators 30 + 180 + 30 + 25 = 265, Σ denominators 50 + 200 + 150 + 100 = 500:
    # 100 × 265 / 500 = 53.
    assert result.numerator == 265
    assert result.denominator == 500
    assert result.value == 53
    assert result.units_reporting == 4
    # The mean of the percentages would be (60 + 90 + 20 + 25) / 4 = 48.75.
    assert result.value != Decimal("48.75")


def test_rate_of_a_district_takes_each_communes_latest_month(
    cb: CaoBang, informed: Indicator
) -> None:
    result = fig(informed, cb.ha_quang, "2025-01", "2025-03")

    # (30 + 180 + 30) / (50 + 200 + 150) = 240 / 400 = 60%; mean of 60, 90, 20 would be 56.67.
    assert result.value == 60
    assert result.value != (Decimal(60) + 90 + 20) / 3
    # Thông Nông over January only: 10/100 = 10%.
    assert fig(informed, cb.thong_nong, "2025-01", "2025-01").value == 10
    # Lương Thông over March–April: April's 9/10 = 90%.
    assert fig(informed, cb.luong_thong, "2025-03", "2025-04").value == 90


def test_rate_values_by_unit_are_each_units_percentage(cb: CaoBang, informed: Indicator) -> None:
    values = values_by_unit(informed, cb.ha_quang, parse_month("2025-01"), parse_month("2025-03"))

    assert values == {cb.thong_nong.pk: 60, cb.can_yen.pk: 90, cb.luong_thong.pk: 20}


# --- coverage -----------------------------------------------------------------------------------


@pytest.fixture
def computers(cb: CaoBang) -> Indicator:
    coverage = computer_coverage()
    source = computer()
    enter(source, cb.thong_nong, {"2025-03": 1})  # meets
    enter(source, cb.can_yen, {"2024-12": 1})  # before the range: no value, does not meet
    enter(source, cb.luong_thong, {"2025-02": 0})  # reports, does not meet
    enter(source, cb.tt_bao_lac, {"2025-01": 0, "2025-05": 1})  # latest (May) meets
    # Cốc Pàng: no value, does not meet.
    return coverage


def test_coverage_counts_units_missing_data_as_not_meeting(
    cb: CaoBang, computers: Indicator
) -> None:
    result = fig(computers, cb.province, "2025-01", "2025-06")

    # Communes valid on 2025-06-30: 5. Meeting (H-15 ≥ 1): Thông Nông, Thị trấn Bảo Lạc = 2.
    # 100 × 2 / 5 = 40. Reporting: Thông Nông, Lương Thông, Thị trấn Bảo Lạc = 3.
    assert result.value == 40
    assert result.numerator == 2
    assert result.denominator == 5
    assert result.units_counted == 5
    assert result.units_reporting == 3


def test_coverage_of_a_district_and_of_a_commune_at_the_level(
    cb: CaoBang, computers: Indicator
) -> None:
    # Hà Quảng: 3 communes, Thông Nông meets: 100 × 1 / 3.
    assert fig(computers, cb.ha_quang, "2025-01", "2025-06").value == Decimal(100) / 3
    # Bảo Lạc: 2 communes, Thị trấn Bảo Lạc meets: 100 × 1 / 2 = 50.
    assert fig(computers, cb.bao_lac, "2025-01", "2025-06").value == 50
    # A commune counts itself: Thông Nông 100, Lương Thông 0.
    assert fig(computers, cb.thong_nong, "2025-01", "2025-06").value == 100
    assert fig(computers, cb.luong_thong, "2025-01", "2025-06").value == 0
    # Thị trấn Bảo Lạc over January–April: January's 0 is its latest, so 0.
    assert fig(computers, cb.tt_bao_lac, "2025-01", "2025-04").value == 0


def test_coverage_counts_only_units_valid_on_the_ranges_last_day(
    cb: CaoBang, computers: Indicator
) -> None:
    # After the 2025 reform: the new Xã Bảo Lạc (same code as the old Thị trấn) joins the
    # province directly; an old commune abolished in 2020 is gone.
    new_bao_lac = factories.UnitFactory(
        level=Level.COMMUNE,
        name="Xã Bảo Lạc",
        code="01321",
        parent=cb.province,
        valid_from=datetime.date(2025, 7, 1),
    )
    factories.UnitFactory(
        level=Level.COMMUNE,
        name="Xã Thượng Hà",
        code="01327",
        parent=cb.bao_lac,
        valid_to=datetime.date(2020, 2, 9),
    )
    enter(computer(), new_bao_lac, {"2025-07": 1})

    # On 2025-06-30: the five old communes, as before: 2 of 5 = 40.
    first_half = fig(computers, cb.province, "2025-01", "2025-06")
    assert (first_half.value, first_half.units_counted) == (40, 5)
    # On 2025-09-30: only the new Xã Bảo Lạc, which meets in July: 1 of 1 = 100.
    third_quarter = fig(computers, cb.province, "2025-07", "2025-09")
    assert (third_quarter.value, third_quarter.units_counted) == (100, 1)


def test_coverage_of_a_branch_level_source_counts_branches(cb: CaoBang) -> None:
    coverage = clean_households_coverage()
    source = clean_households()
    enter(source, cb.thong_nong_1, {"2025-01": 3, "2025-02": 4})  # 7 ≥ 5: meets
    enter(source, cb.thong_nong_2, {"2025-03": 4, "2025-04": 6})  # 4 in range: does not
    enter(source, cb.can_yen_1, {"2025-02": 5})  # 5 ≥ 5: meets

    province = fig(coverage, cb.province, "2025-01", "2025-03")
    # 3 branches, 2 meet: 100 × 2 / 3.
    assert province.value == Decimal(200) / 3
    assert (province.units_counted, province.units_reporting) == (3, 3)
    # Thông Nông: 2 branches, Thôn 1 meets: 50.
    assert fig(coverage, cb.thong_nong, "2025-01", "2025-03").value == 50
    # Over January–April Thôn 2 has 4 + 6 = 10 and meets too: 3 of 3 = 100.
    assert fig(coverage, cb.province, "2025-01", "2025-04").value == 100
    # The source itself adds branches: Thông Nông January–March 3 + 4 + 4 = 11.
    assert fig(source, cb.thong_nong, "2025-01", "2025-03").value == 11


def test_branch_level_indicator_at_a_commune_without_branches_is_none(cb: CaoBang) -> None:
    coverage = clean_households_coverage()
    enter(clean_households(), cb.thong_nong_1, {"2025-01": 6})

    for indicator in (coverage, clean_households()):
        result = fig(indicator, cb.coc_pang, "2025-01", "2025-03")
        assert result.value is None
        assert result.units_reporting == 0
        assert result.status == Status.NO_DATA
    # Huyện Bảo Lạc has no branch at all: nothing to count.
    assert fig(coverage, cb.bao_lac, "2025-01", "2025-03").value is None


def test_coverage_with_no_unit_reporting_is_none(cb: CaoBang) -> None:
    coverage = computer_coverage()

    result = fig(coverage, cb.bao_lac, "2025-01", "2025-06")

    # 2 communes counted, none reporting: nothing is known, not 0%.
    assert result.value is None
    assert result.units_reporting == 0
    assert result.units_counted == 2
    assert result.status == Status.NO_DATA


# --- targets ------------------------------------------------------------------------------------


def test_own_target_applies(cb: CaoBang) -> None:
    indicator = startups()
    target(indicator, cb.province, 2025, 800)  # Cao Bằng: at least 800 by 2025
    target(indicator, cb.ha_quang, 2025, 500)

    assert target_of(indicator, cb.province, parse_month("2025-06")) == (800, end_of(2025))
    assert target_of(indicator, cb.ha_quang, parse_month("2025-06")) == (500, end_of(2025))


def test_cumulative_target_takes_the_nearest_period_end_not_yet_past(cb: CaoBang) -> None:
    indicator = startups()
    target(indicator, cb.province, 2020, 300)
    target(indicator, cb.province, 2025, 800)

    assert target_of(indicator, cb.province, parse_month("2019-06")) == (300, end_of(2020))
    assert target_of(indicator, cb.province, parse_month("2020-12")) == (300, end_of(2020))
    assert target_of(indicator, cb.province, parse_month("2021-01")) == (800, end_of(2025))


def test_sum_target_without_own_is_the_sum_of_the_childrens(cb: CaoBang) -> None:
    indicator = out_of_poverty()
    target(indicator, cb.thong_nong, 2025, 30)
    target(indicator, cb.can_yen, 2025, 20)
    target(indicator, cb.luong_thong, 2025, 10)

    # 30 + 20 + 10 = 60.
    assert target_of(indicator, cb.ha_quang, parse_month("2025-06")) == (60, end_of(2025))


def test_cumulative_target_without_own_is_the_sum_of_the_childrens(cb: CaoBang) -> None:
    indicator = startups()
    target(indicator, cb.ha_quang, 2025, 500)
    target(indicator, cb.bao_lac, 2025, 300)

    # 500 + 300 = 800.
    assert target_of(indicator, cb.province, parse_month("2025-06")) == (800, end_of(2025))


def test_stock_target_without_own_is_the_sum_of_the_childrens(cb: CaoBang) -> None:
    indicator = models_938()
    target(indicator, cb.thong_nong, 2025, 6)
    target(indicator, cb.can_yen, 2025, 4)

    # 6 + 4 = 10.
    assert target_of(indicator, cb.ha_quang, parse_month("2025-06")) == (10, end_of(2025))


def test_rate_without_own_target_has_none(cb: CaoBang, informed: Indicator) -> None:
    target(informed, cb.thong_nong, 2025, 70)
    target(informed, cb.can_yen, 2025, 70)

    result = fig(informed, cb.ha_quang, "2025-01", "2025-03")

    # Percentages never add up: 70% + 70% is no target for Hà Quảng.
    assert target_of(informed, cb.ha_quang, parse_month("2025-03")) == (None, None)
    assert result.target is None
    assert result.achievement is None
    assert result.status == Status.NO_TARGET
    assert fig(informed, cb.thong_nong, "2025-01", "2025-03").target == 70


def test_rate_against_its_own_target(cb: CaoBang, informed: Indicator) -> None:
    target(informed, cb.province, 2025, 70)  # Cao Bằng: 70% of members informed

    result = fig(informed, cb.province, "2025-01", "2025-03")

    # 53% of 70%: achievement 100 × 53 / 70 = 75.71…; a rate has no pace: behind.
    assert result.target == 70
    assert result.achievement == Decimal(5300) / 70
    assert result.expected_by_now is None
    assert result.status == Status.BEHIND


def test_sum_target_of_another_year_is_not_applied(cb: CaoBang) -> None:
    indicator = new_members()
    target(indicator, cb.province, 2024, 1000)
    target(indicator, cb.province, 2026, 1300)
    target(indicator, cb.ha_quang, 2026, 400)
    enter(indicator, cb.thong_nong, {"2025-02": 40})

    result = fig(indicator, cb.province, "2025-01", "2025-05")

    # A flow's 2024 or 2026 target says nothing about 2025, for the unit or its children.
    assert target_of(indicator, cb.province, parse_month("2025-05")) == (None, None)
    assert result.value == 40
    assert result.target is None
    assert result.status == Status.NO_TARGET


# --- achievement, pace and status ---------------------------------------------------------------


@pytest.fixture
def startups_with_target(cb: CaoBang) -> Indicator:
    indicator = startups()  # 2017–2025: 108 months
    target(indicator, cb.province, 2025, 800)
    enter(indicator, cb.thong_nong, {"2018-12": 150, "2022-12": 150, "2025-03": 80})
    enter(indicator, cb.tt_bao_lac, {"2018-06": 100, "2021-06": 50, "2024-09": 100})
    enter(indicator, cb.tt_bao_lac, {"2025-05": 200})
    return indicator


def test_cumulative_phase_target_expected_by_now_is_the_elapsed_share_of_the_phase(
    cb: CaoBang, startups_with_target: Indicator
) -> None:
    to_june = fig(startups_with_target, cb.province, "2025-01", "2025-06")
    # January 2017 – June 2025 = 8 × 12 + 6 = 102 of 108 months: 800 × 102 / 108 = 755.5…
    assert to_june.expected_by_now == Decimal(800) * 102 / 108

    to_2018 = fig(startups_with_target, cb.province, "2018-01", "2018-12")
    # January 2017 – December 2018 = 24 of 108 months: 800 × 24 / 108 = 177.7…
    assert to_2018.expected_by_now == Decimal(800) * 24 / 108


def test_status_achieved_when_the_target_is_reached(
    cb: CaoBang, startups_with_target: Indicator
) -> None:
    result = fig(startups_with_target, cb.province, "2025-01", "2025-06")

    # 150 + 150 + 80 + 100 + 50 + 100 + 200 = 830 ≥ 800. A half year of the 2017–2025 phase is
    # compared with its pace (PRODUCT.md, sub-period views): 800 × 102 / 108 months = 755.5…,
    # 100 × 830 / 755.5… = 109.85…; the whole phase so far with the whole target: 103.75.
    assert result.value == 830
    assert result.target == 800
    assert result.target_period_end == end_of(2025)
    assert result.basis == Basis.PACE and result.goal == Decimal(800) * 102 / 108
    assert result.achievement == 100 * Decimal(830) / (Decimal(800) * 102 / 108)
    assert result.status == Status.ACHIEVED
    phase = fig(startups_with_target, cb.province, "2017-01", "2025-06")
    assert (phase.basis, phase.goal, phase.achievement) == (Basis.TARGET, 800, Decimal("103.75"))
    assert phase.status == Status.ACHIEVED


def test_status_on_track_when_ahead_of_the_elapsed_share(
    cb: CaoBang, startups_with_target: Indicator
) -> None:
    result = fig(startups_with_target, cb.province, "2018-01", "2018-12")

    # To December 2018: 150 + 100 = 250 ≥ the pace 800 × 24 / 108 = 177.7… but < 800; the
    # year 2018 is compared with that pace: 100 × 250 / 177.7… = 140.625.
    assert result.value == 250
    assert result.goal == result.expected_by_now == Decimal(800) * 24 / 108
    assert result.achievement == 100 * Decimal(250) / (Decimal(800) * 24 / 108)  # 140.625
    assert result.status == Status.ON_TRACK


def test_status_behind_when_short_of_the_elapsed_share(
    cb: CaoBang, startups_with_target: Indicator
) -> None:
    result = fig(startups_with_target, cb.province, "2024-01", "2024-12")

    # To December 2024: 150 + 150 + 100 + 50 + 100 = 550 < 800 × 96 / 108 = 711.1…, the pace
    # the year 2024 is compared with: 100 × 550 / 711.1… = 77.34375.
    assert result.value == 550
    assert result.expected_by_now == Decimal(800) * 96 / 108
    assert result.achievement == 100 * Decimal(550) / (Decimal(800) * 96 / 108)  # 77.34375
    assert result.status == Status.BEHIND


def test_status_no_data_when_nothing_reported_even_with_a_target(
    cb: CaoBang, models_count: Indicator
) -> None:
    target(models_count, cb.bao_lac, 2025, 3)

    result = fig(models_count, cb.bao_lac, "2025-01", "2025-06")

    assert result.value is None
    assert result.target == 3
    assert result.achievement is None
    assert result.status == Status.NO_DATA


@pytest.fixture
def members_2025(cb: CaoBang) -> Indicator:
    indicator = new_members()
    target(indicator, cb.province, 2025, 1200)
    enter(indicator, cb.thong_nong, {"2025-01": 70, "2025-04": 50})  # 120
    enter(indicator, cb.can_yen, {"2025-02": 100})
    enter(indicator, cb.luong_thong, {"2025-05": 80})
    enter(indicator, cb.tt_bao_lac, {"2024-12": 300, "2025-03": 150})  # 2024 is another year
    enter(indicator, cb.coc_pang, {"2025-05": 50})
    return indicator


def test_sum_year_target_expected_by_now_is_the_elapsed_share_of_the_year(
    cb: CaoBang, members_2025: Indicator
) -> None:
    result = fig(members_2025, cb.province, "2025-01", "2025-05")

    # 120 + 100 + 80 + 150 + 50 = 500 new members by May.
    # January–May = 5 of the year's 12 months: 1200 × 5 / 12 = 500, exactly on pace.
    assert result.value == 500
    assert result.expected_by_now == 500
    assert result.achievement == Decimal(50000) / 1200  # 41.66…
    assert result.status == Status.ON_TRACK


def test_sum_year_target_behind_a_month_later_with_nothing_new(
    cb: CaoBang, members_2025: Indicator
) -> None:
    result = fig(members_2025, cb.province, "2025-01", "2025-06")

    # Still 500 by June, against 1200 × 6 / 12 = 600.
    assert result.value == 500
    assert result.expected_by_now == 600
    assert result.status == Status.BEHIND


def test_stock_target_has_no_pace(cb: CaoBang, models_count: Indicator) -> None:
    target(models_count, cb.ha_quang, 2025, 12)

    result = fig(models_count, cb.ha_quang, "2025-01", "2025-06")

    # 9 of 12: achievement 75; a level has no "share of the period elapsed": behind.
    assert result.achievement == 75
    assert result.expected_by_now is None
    assert result.status == Status.BEHIND


def test_figure_without_any_target_is_no_target(cb: CaoBang, sessions: Indicator) -> None:
    result = fig(sessions, cb.province, "2025-01", "2025-03")

    assert (result.target, result.achievement, result.status) == (None, None, Status.NO_TARGET)


def test_range_ending_before_it_starts_is_refused(cb: CaoBang, sessions: Indicator) -> None:
    with pytest.raises(ValueError):
        fig(sessions, cb.province, "2025-03", "2025-01")
