"""A sheet per level below in the workbook: a province before the 2025 reform (districts as
rows) gets a sheet of its communes and one of its branches, every cell equal to the engine's.

    Tỉnh Khánh Hòa (56)
    ├── Thành phố Nha Trang (568): Phường Vĩnh Hải, Phường Lộc Thọ, Phường Phước Long
    └── Huyện Cam Lâm (576): Xã Cam Hải Đông (2 branches), Xã Suối Tân
Results of Chỉ tiêu công tác Hội (CTH) in 2024: a sum, a rate, a stock (with the coverage over
it) at the communes; the branch-level sum H-09 (with its coverage H-10) at the branches.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from indicators.figures import totals
from indicators.figures.engine import figure
from indicators.models import Indicator, Result, Target
from members.models import Level, Unit
from programs.models import Program
from reports.excel import build_workbook
from reports.models import ReportJob
from reports.selectors import levels_below, report_content
from tests import factories
from tests.report_data import month

pytestmark = pytest.mark.django_db

FIRST_ROW = 8  # title block, caption, two header rows
START, END = month("2024-01"), month("2024-06")


@dataclass
class Tree:
    province: Unit
    nha_trang: Unit
    cam_lam: Unit
    communes: list[Unit]
    branches: list[Unit]
    program: Program


def _district(parent: Unit, name: str, code: str) -> Unit:
    return factories.UnitFactory(level=Level.DISTRICT, name=name, code=code, parent=parent)


def _results(communes: list[Unit], branches: list[Unit]) -> None:
    h01, h05, h07, h09 = (Indicator.objects.get(code=c) for c in ("H-01", "H-05", "H-07", "H-09"))
    for i, commune in enumerate(communes):
        Result.objects.create(unit=commune, indicator=h01, month=month("2024-02"), value=3 + i)
        Result.objects.create(unit=commune, indicator=h01, month=month("2024-05"), value=2 * i)
        Result.objects.create(
            unit=commune, indicator=h05, month=month("2024-04"), numerator=10 + i, denominator=20
        )
        Result.objects.create(unit=commune, indicator=h07, month=month("2024-03"), value=i)
    for i, branch in enumerate(branches):
        Result.objects.create(unit=branch, indicator=h09, month=month("2024-03"), value=4 + 2 * i)
    totals.rebuild([h01.pk, h05.pk, h07.pk, h09.pk])
    end = datetime.date(2024, 12, 31)
    for unit, value in [(communes[0], 10), (communes[3], 8)]:
        Target.objects.create(unit=unit, indicator=h01, period_end=end, value=Decimal(value))


@pytest.fixture
def tree(catalog) -> Tree:
    province = factories.province("Tỉnh Khánh Hòa", "56")
    nha_trang = _district(province, "Thành phố Nha Trang", "568")
    cam_lam = _district(province, "Huyện Cam Lâm", "576")
    communes = [
        factories.commune(nha_trang, "Phường Vĩnh Hải", "22330"),
        factories.commune(nha_trang, "Phường Lộc Thọ", "22363"),
        factories.commune(nha_trang, "Phường Phước Long", "22381"),
        factories.commune(cam_lam, "Xã Cam Hải Đông", "22768"),
        factories.commune(cam_lam, "Xã Suối Tân", "22783"),
    ]
    branches = [factories.branch(communes[3], 1), factories.branch(communes[3], 2)]
    _results(communes, branches)
    program = Program.objects.get(code="CTH")
    return Tree(province, nha_trang, cam_lam, communes, branches, program)


def _workbook(tree: Tree, *, levels: bool) -> Workbook:
    content = report_content(tree.program, tree.province, START, END, levels=levels)
    return load_workbook(io.BytesIO(build_workbook(content)))


def _assert_cells_equal_the_engine(sheet, indicators: list[Indicator], units: list[Unit]) -> None:
    for offset, unit in enumerate(units):
        row = FIRST_ROW + offset
        assert sheet.cell(row=row, column=2).value == unit.code
        for i, indicator in enumerate(indicators):
            f = figure(indicator, unit, START, END)
            col = 5 + 3 * i
            planned, actual, rate = (sheet.cell(row=row, column=col + k).value for k in range(3))
            assert planned == (None if f.target is None else pytest.approx(float(f.target)))
            assert actual == (None if f.value is None else pytest.approx(float(f.value)))
            assert rate == (
                None if f.achievement is None else pytest.approx(float(f.achievement) / 100)
            )


def test_the_commune_sheet_lists_every_commune_under_its_district_as_the_engine_counts(
    tree: Tree,
) -> None:
    book = _workbook(tree, levels=True)
    assert book.sheetnames == ["Tiến độ", "Xã, phường", "Chi hội", "Theo tháng"]
    sheet = book["Xã, phường"]
    # Districts in report order (Huyện Cam Lâm, Thành phố Nha Trang), communes by folded name.
    vinh_hai, loc_tho, phuoc_long, cam_hai_dong, suoi_tan = tree.communes
    expected = [cam_hai_dong, suoi_tan, loc_tho, phuoc_long, vinh_hai]
    rows = range(FIRST_ROW, FIRST_ROW + len(expected) + 1)
    names = [(sheet.cell(row=r, column=3).value, sheet.cell(row=r, column=4).value) for r in rows]
    assert names == [(u.name, u.parent.name) for u in expected] + [(None, None)]
    indicators = list(tree.program.indicators.order_by("position", "code"))
    _assert_cells_equal_the_engine(sheet, indicators, expected)
    # Hand-checked: H-01 of Xã Cam Hải Đông is 6 + 6 of a target of 8.
    assert indicators[0].code == "H-01"
    assert [sheet.cell(row=FIRST_ROW, column=c).value for c in (5, 6, 7)] == [8, 12, 1.5]


def test_the_branch_sheet_shows_the_branch_indicators_only(tree: Tree) -> None:
    sheet = _workbook(tree, levels=True)["Chi hội"]
    at_branch = list(Indicator.objects.filter(code__in=["H-09", "H-10"]).order_by("position"))
    assert sheet.cell(row=6, column=5).value.startswith("H-09")
    assert sheet.cell(row=6, column=8).value.startswith("H-10")
    assert sheet.cell(row=6, column=11).value is None
    assert sheet.cell(row=FIRST_ROW, column=4).value == "Xã Cam Hải Đông"
    _assert_cells_equal_the_engine(sheet, at_branch, tree.branches)
    # Hand-checked: 4 and 6 households; H-10 counts a branch with at least five.
    assert [sheet.cell(row=FIRST_ROW + i, column=6).value for i in (0, 1)] == [4, 6]
    assert [sheet.cell(row=FIRST_ROW + i, column=9).value for i in (0, 1)] == [0, 100]


def test_level_sheet_layout(tree: Tree) -> None:
    sheet = _workbook(tree, levels=True)["Xã, phường"]
    assert sheet["A2"].value == "HỘI LHPN TỈNH KHÁNH HÒA"
    assert "5 đơn vị" in sheet["A5"].value
    assert [sheet.cell(row=6, column=c).value for c in (1, 2, 3, 4)] == [
        "STT",
        "Mã đơn vị",
        "Đơn vị",
        "Thuộc",
    ]
    assert [sheet.cell(row=7, column=c).value for c in (5, 6, 7)] == [
        "Kế hoạch",
        "Thực hiện",
        "Tỷ lệ %",
    ]
    assert "E6:G6" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "E8"
    assert sheet.cell(row=FIRST_ROW, column=7).number_format == "0.0%"
    assert sheet.column_dimensions["D"].width > 20


def test_without_the_option_no_sheet_is_added(tree: Tree) -> None:
    assert _workbook(tree, levels=False).sheetnames == ["Tiến độ", "Theo tháng"]


def test_after_the_reform_communes_are_the_rows_and_only_branches_come_below(
    khanh_hoa, catalog
) -> None:
    indicators = list(Indicator.objects.filter(program__code="CTH"))
    children = [khanh_hoa.ba_ngoi, khanh_hoa.nha_trang]
    below = levels_below(khanh_hoa.province, children, indicators)
    assert [(level, sorted(i.code for i in shown)) for level, shown in below] == [
        (Level.BRANCH, ["H-09", "H-10"])
    ]
    da939 = list(Indicator.objects.filter(program__code="DA939"))
    assert levels_below(khanh_hoa.province, children, da939) == []
    assert levels_below(khanh_hoa.ba_ngoi, [khanh_hoa.ba_ngoi_branch], indicators) == []


def test_a_level_without_any_unit_in_the_range_gives_no_sheet(tree: Tree) -> None:
    Result.objects.filter(unit__in=tree.branches).delete()
    Unit.objects.filter(pk__in=[b.pk for b in tree.branches]).update(
        valid_to=datetime.date(2023, 12, 31)
    )
    assert _workbook(tree, levels=True).sheetnames == ["Tiến độ", "Xã, phường", "Theo tháng"]


def test_the_command_adds_the_sheets_with_levels_below(tree: Tree, tmp_path) -> None:
    out = tmp_path / "r.xlsx"
    argv = ["--program", "CTH", "--unit", "56", "--from", "2024-01", "--to", "2024-06"]
    call_command("generate_report", *argv, "--levels-below", "--out", str(out))
    assert "Xã, phường" in load_workbook(out).sheetnames
    call_command("generate_report", *argv, "--out", str(out))
    assert load_workbook(out).sheetnames == ["Tiến độ", "Theo tháng"]


@pytest.mark.django_db(transaction=True)
def test_the_form_option_reaches_the_job_and_its_workbook(tree: Tree) -> None:
    user = factories.AssignmentFactory(
        user=factories.UserFactory(username="tinh.khanhhoa"), unit=tree.province
    ).user
    client = Client()
    client.force_login(user)
    page = client.get(reverse("reports:report_list")).content.decode()
    assert "Thêm một trang cho mỗi cấp bên dưới" in page
    request = {
        "program": tree.program.pk,
        "unit": tree.province.pk,
        "start": "2024-01",
        "end": "2024-06",
        "format": "xlsx",
    }
    client.post(reverse("reports:report_list"), {**request, "levels_below": "on"})
    client.post(reverse("reports:report_list"), request)
    with_levels, without = ReportJob.objects.order_by("pk")
    assert (with_levels.levels_below, without.levels_below) == (True, False)
    assert "Xã, phường" in load_workbook(with_levels.xlsx_file.open("rb")).sheetnames
    assert "Xã, phường" not in load_workbook(without.xlsx_file.open("rb")).sheetnames
