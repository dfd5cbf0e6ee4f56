"""Targets given to a unit's children: splits that add up exactly, the gaps the page reports,
who may set them, and an all-or-nothing save (indicators.catalogue.targets)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from accounts import access
from accounts.models import Role
from indicators.catalogue import targets
from indicators.models import Indicator, Result, Target
from members.models import Level, UnitSuccession
from programs.models import Program
from tests import factories

END_2025 = datetime.date(2025, 12, 31)


def _d(*numbers: int | str) -> list[Decimal]:
    return [Decimal(n) for n in numbers]


# Splits: pure arithmetic, checked by hand ---------------------------------------------------


def test_equal_split_of_a_count_gives_the_leftover_to_the_first_units() -> None:
    assert targets.split_equally(Decimal(1100), 3) == _d(367, 367, 366)
    assert targets.split_equally(Decimal(10), 4) == _d(3, 3, 2, 2)


def test_equal_split_of_a_target_with_decimals_works_in_cents() -> None:
    shares = targets.split_equally(Decimal("100.01"), 3)

    assert shares == _d("33.34", "33.34", "33.33")
    assert sum(shares) == Decimal("100.01")


def test_proportional_split_uses_the_largest_remainders_and_sums_exactly() -> None:
    # 1100 x 30/67 = 492.54, x 20/67 = 328.36, x 17/67 = 279.10: floors sum to 1099,
    # the one left goes to the largest fraction (0.54, the first unit).
    shares = targets.split_proportionally(Decimal(1100), _d(30, 20, 17))

    assert shares == _d(493, 328, 279)
    assert sum(shares) == 1100


def test_proportional_split_gives_nothing_to_a_unit_without_results() -> None:
    assert targets.split_proportionally(Decimal(5500), _d(3, 0, 1)) == _d(4125, 0, 1375)


def test_proportional_split_without_any_result_is_refused() -> None:
    with pytest.raises(targets.SplitError):
        targets.split_proportionally(Decimal(100), _d(0, 0))


# With the database ---------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytest.fixture
def khanh_hoa_cth(khanh_hoa, catalog):
    """Khánh Hòa's 2025 plan: 1,100 households out of poverty (H-01), a 90% rate (H-05)."""
    khanh_hoa.vinh_hai = factories.commune(khanh_hoa.province, "Phường Vĩnh Hải", "22330")
    _give(khanh_hoa.province, "H-01", 1100)
    _give(khanh_hoa.province, "H-05", 90)
    return khanh_hoa


def _grid(kh):
    return targets.build_grid(kh.province, Program.objects.get(code="CTH"), END_2025)


def _cell(kh, unit, code: str) -> str:
    return targets.cell_name(unit, Indicator.objects.get(code=code))


def _give(unit, code: str, value: int) -> Target:
    indicator = Indicator.objects.get(code=code)
    return Target.objects.create(unit=unit, indicator=indicator, period_end=END_2025, value=value)


def _allocation(grid, code: str) -> targets.Allocation:
    return next(a for a in grid.allocations() if a.indicator.code == code)


@pytestmark_db
def test_grid_rows_are_the_children_valid_at_the_period_end(khanh_hoa_cth) -> None:
    old = factories.UnitFactory(
        level=Level.DISTRICT, name="Huyện Cam Lâm", code="576", parent=khanh_hoa_cth.province,
        valid_to=datetime.date(2025, 6, 30),
    )  # fmt: skip

    grid = _grid(khanh_hoa_cth)

    names = [c.name for c in grid.children]
    assert names == ["Phường Ba Ngòi", "Phường Nha Trang", "Phường Vĩnh Hải"]
    assert old not in grid.children


@pytestmark_db
def test_remainder_and_mismatch_message_when_children_get_less(khanh_hoa_cth) -> None:
    kh = khanh_hoa_cth
    _give(kh.ba_ngoi, "H-01", 500)
    _give(kh.nha_trang, "H-01", 480)

    grid = _grid(kh)

    allocation = _allocation(grid, "H-01")
    assert (allocation.given, allocation.remainder) == (Decimal(980), Decimal(120))
    [gap] = targets.target_gaps(grid)
    assert targets.gap_message(gap, kh.province) == (
        "H-01: tổng chỉ tiêu giao cho các đơn vị trực thuộc (980) thấp hơn chỉ tiêu của "
        "Tỉnh Khánh Hòa (1.100) là 120."
    )


@pytestmark_db
def test_mismatch_message_when_children_get_more(khanh_hoa_cth) -> None:
    kh = khanh_hoa_cth
    for unit in (kh.ba_ngoi, kh.nha_trang, kh.vinh_hai):
        _give(unit, "H-01", 400)

    [gap] = targets.target_gaps(_grid(kh))

    assert gap.remainder == Decimal(-100)
    assert "cao hơn chỉ tiêu của Tỉnh Khánh Hòa (1.100) là 100" in targets.gap_message(
        gap, kh.province
    )


@pytestmark_db
def test_a_rate_has_no_remainder_and_no_mismatch(khanh_hoa_cth) -> None:
    kh = khanh_hoa_cth
    _give(kh.ba_ngoi, "H-05", 80)

    grid = _grid(kh)

    assert _allocation(grid, "H-05").remainder is None
    assert [g.indicator.code for g in targets.target_gaps(grid)] == ["H-01"]  # nothing given


@pytestmark_db
def test_proportional_split_follows_last_years_results_from_the_engine(khanh_hoa_cth) -> None:
    kh = khanh_hoa_cth
    h01 = Indicator.objects.get(code="H-01")
    for unit, values in ((kh.ba_ngoi, (10, 20)), (kh.nha_trang, (20,)), (kh.vinh_hai, (17,))):
        for month, value in enumerate(values, start=3):
            Result.objects.create(
                unit=unit, indicator=h01, month=datetime.date(2024, month, 1), value=value
            )
    Result.objects.create(
        unit=kh.nha_trang, indicator=h01, month=datetime.date(2025, 1, 1), value=99
    )

    grid = _grid(kh)
    shares = targets.suggest("last_year", h01, Decimal(1100), grid.children, END_2025)

    assert shares == _d(493, 328, 279)  # weights 30, 20, 17 (2024 only)


@pytestmark_db
def test_a_merged_commune_is_weighed_with_its_predecessors_results(khanh_hoa_cth) -> None:
    kh = khanh_hoa_cth
    h01 = Indicator.objects.get(code="H-01")
    old = factories.commune(kh.province, "Xã Phước Đồng", "22390")
    old.valid_to = datetime.date(2025, 6, 30)
    old.save()
    UnitSuccession.objects.create(
        predecessor=old, successor=kh.nha_trang, effective_on=datetime.date(2025, 7, 1)
    )
    Result.objects.create(unit=old, indicator=h01, month=datetime.date(2024, 5, 1), value=3)
    Result.objects.create(unit=kh.ba_ngoi, indicator=h01, month=datetime.date(2024, 5, 1), value=1)

    shares = targets.suggest("last_year", h01, Decimal(100), _grid(kh).children, END_2025)

    assert shares == _d(25, 75, 0)


@pytestmark_db
def test_may_set_targets_only_as_a_reviewer_of_the_unit_itself(khanh_hoa_cth) -> None:
    kh = khanh_hoa_cth
    admin = factories.UserFactory(username="quantri", is_superuser=True)
    cao_bang_reviewer = factories.AssignmentFactory(
        unit=kh.cao_bang, role=Role.REVIEWER, user=factories.UserFactory(username="tinh.caobang")
    ).user

    assert access.can_set_targets(kh.province_reviewer, kh.province)
    assert not access.can_set_targets(kh.province_reviewer, kh.ba_ngoi)
    assert not access.can_set_targets(kh.commune_officer, kh.ba_ngoi)
    assert not access.can_set_targets(cao_bang_reviewer, kh.province)
    assert access.can_set_targets(admin, kh.province)


@pytestmark_db
def test_save_reads_vietnamese_numbers_and_a_blank_removes_a_target(khanh_hoa_cth) -> None:
    kh = khanh_hoa_cth
    _give(kh.vinh_hai, "H-01", 7)
    data = {
        _cell(kh, kh.ba_ngoi, "H-01"): "1.234",
        _cell(kh, kh.ba_ngoi, "H-05"): "70,5",
        _cell(kh, kh.vinh_hai, "H-01"): "",
    }

    counts = targets.save_child_targets(user=kh.province_reviewer, grid=_grid(kh), data=data)

    assert (counts["created"], counts["deleted"]) == (2, 1)
    saved = Target.objects.filter(unit=kh.ba_ngoi).order_by("indicator__code")
    assert [(t.indicator.code, t.value) for t in saved] == [
        ("H-01", Decimal(1234)),
        ("H-05", Decimal("70.5")),
    ]
    assert not Target.objects.filter(unit=kh.vinh_hai).exists()


@pytestmark_db
def test_one_bad_cell_saves_nothing_and_each_problem_names_unit_and_indicator(
    khanh_hoa_cth,
) -> None:
    kh = khanh_hoa_cth
    _give(kh.vinh_hai, "H-01", 7)
    data = {
        _cell(kh, kh.ba_ngoi, "H-01"): "500",
        _cell(kh, kh.nha_trang, "H-01"): "-5",
        _cell(kh, kh.vinh_hai, "H-01"): "",
        _cell(kh, kh.vinh_hai, "H-05"): "120",
        _cell(kh, kh.ba_ngoi, "H-04"): "nhiều",
    }

    with pytest.raises(targets.TargetError) as caught:
        targets.save_child_targets(user=kh.province_reviewer, grid=_grid(kh), data=data)

    assert [str(p) for p in caught.value.problems] == [
        "Phường Ba Ngòi, chỉ tiêu H-04: «nhiều» không phải là số",
        "Phường Nha Trang, chỉ tiêu H-01: kế hoạch không được âm",
        "Phường Vĩnh Hải, chỉ tiêu H-05: chỉ tiêu tỷ lệ: kế hoạch phải từ 0 đến 100 (%)",
    ]
    assert list(Target.objects.exclude(unit=kh.province).values_list("value", flat=True)) == [7]


@pytestmark_db
def test_a_commune_officer_cannot_save_targets(khanh_hoa_cth) -> None:
    kh = khanh_hoa_cth
    grid = targets.build_grid(kh.ba_ngoi, Program.objects.get(code="CTH"), END_2025)

    with pytest.raises(targets.TargetRefused):
        targets.save_child_targets(
            user=kh.commune_officer,
            grid=grid,
            data={_cell(kh, kh.ba_ngoi_branch, "H-09"): "5"},
        )
    assert not Target.objects.filter(unit=kh.ba_ngoi_branch).exists()


@pytestmark_db
def test_a_rate_is_given_as_the_parents_rate_not_split(khanh_hoa_cth) -> None:
    kh = khanh_hoa_cth
    h05 = Indicator.objects.get(code="H-05")
    children = _grid(kh).children

    assert targets.suggest("same", h05, Decimal(90), children, END_2025) == _d(90, 90, 90)
    with pytest.raises(targets.SplitError):
        targets.suggest("equal", h05, Decimal(90), children, END_2025)
