"""The workbook: customary layout, figures equal to the engine's, no formula injection."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from indicators.figures.engine import figure
from indicators.models import Indicator
from reports.excel import build_workbook, safe_text
from reports.selectors import report_content
from tests.report_data import add_results, month

pytestmark = pytest.mark.django_db

FIRST_ROW = 8  # title block (4 rows), a blank row, two header rows


@pytest.fixture
def workbook(khanh_hoa, catalog):
    program = add_results(khanh_hoa)
    content = report_content(program, khanh_hoa.province, month("2025-01"), month("2025-06"))
    return load_workbook(io.BytesIO(build_workbook(content)))


def test_every_figure_in_the_workbook_equals_the_engines(workbook, khanh_hoa) -> None:
    sheet = workbook["Tiến độ"]
    indicators = list(Indicator.objects.filter(program__code="DA939").order_by("position"))
    start, end = month("2025-01"), month("2025-06")
    rows = {sheet.cell(row=r, column=2).value: r for r in range(FIRST_ROW, FIRST_ROW + 2)}
    expected_rows = {
        "22735": khanh_hoa.ba_ngoi,
        "22333": khanh_hoa.nha_trang,
    }
    assert set(rows) == set(expected_rows)
    total_row = FIRST_ROW + 2
    assert sheet.cell(row=total_row, column=1).value == "Tổng cộng (Tỉnh Khánh Hòa)"
    for code, unit in expected_rows.items():
        for row, target_unit in ((rows[code], unit), (total_row, khanh_hoa.province)):
            for i, indicator in enumerate(indicators):
                f = figure(indicator, target_unit, start, end)
                col = 4 + 3 * i
                planned, actual, rate = (
                    sheet.cell(row=row, column=col + k).value for k in range(3)
                )
                goal = f.compared_with  # the pace in a view inside the target's period
                assert planned == (None if goal is None else pytest.approx(float(goal)))
                assert actual == (None if f.value is None else pytest.approx(float(f.value)))
                assert rate == (
                    None if f.achievement is None else pytest.approx(float(f.achievement) / 100)
                )


def test_hand_computed_figures_of_the_small_tree(workbook) -> None:
    sheet = workbook["Tiến độ"]
    total = FIRST_ROW + 2
    # 939-01 (cumulative): 4 + 6 + 5 = 15. The target, 40 by the end of the 2017–2025 phase,
    # is due at 40 x 102 / 108 = 37.78 by June 2025, the pace a half year is compared with:
    # 15 / 37.78 = 39.7%.
    pace = 40 * 102 / 108
    assert [sheet.cell(row=total, column=c).value for c in (4, 5, 6)] == [
        pytest.approx(pace),
        15,
        pytest.approx(15 / pace),
    ]
    assert sheet.cell(row=7, column=4).value == "Kế hoạch theo tiến độ"
    notes = [sheet.cell(row=r, column=1).value or "" for r in range(total + 1, total + 6)]
    assert any(n.startswith("Kế hoạch theo tiến độ: phần kế hoạch") for n in notes)
    # 939-02 (rate): (30 + 10) / (40 + 20) = 66.7%, never the mean of 75% and 50%.
    assert sheet.cell(row=total, column=8).value == pytest.approx(200 / 3)


def test_layout_title_headers_frozen_panes_and_formats(workbook) -> None:
    sheet = workbook["Tiến độ"]
    assert sheet["A1"].value == "HỘI LIÊN HIỆP PHỤ NỮ VIỆT NAM"
    assert sheet["A2"].value == "HỘI LHPN TỈNH KHÁNH HÒA"
    assert "ĐỀ ÁN 939" in sheet["A3"].value
    assert "từ tháng 01/2025 đến tháng 06/2025" in sheet["A4"].value
    assert [sheet.cell(row=6, column=c).value for c in (1, 2, 3)] == ["STT", "Mã đơn vị", "Đơn vị"]
    assert sheet.cell(row=6, column=4).value.startswith("939-01 Số phụ nữ khởi sự")
    # 939-01's target is paced (a half year of its phase); 939-02 has no target.
    assert [sheet.cell(row=7, column=c).value for c in (4, 5, 6, 7)] == [
        "Kế hoạch theo tiến độ",
        "Thực hiện",
        "Tỷ lệ %",
        "Kế hoạch",
    ]
    assert "D6:F6" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "D8"
    assert sheet.cell(row=FIRST_ROW, column=6).number_format == "0.0%"
    assert sheet.column_dimensions["C"].width > 20


def test_each_cell_keeps_its_look(workbook) -> None:
    """The looks are worked out once per workbook and copied (excel._style): every header,
    figure and total cell still has its own font, fill, border and number format."""
    sheet = workbook["Tiến độ"]
    total = FIRST_ROW + 2
    for row, col in ((6, 1), (6, 4), (7, 4), (7, 9)):
        header = sheet.cell(row=row, column=col)
        assert header.font.bold and header.fill.fgColor.rgb.endswith("DCE6F1")
        assert header.alignment.wrap_text and header.border.left.style == "thin"
    for row in (FIRST_ROW, FIRST_ROW + 1):
        figure, rate = sheet.cell(row=row, column=5), sheet.cell(row=row, column=6)
        assert figure.number_format == "#,##0.##" and rate.number_format == "0.0%"
        assert not figure.font.bold and figure.border.bottom.style == "thin"
        assert sheet.cell(row=row, column=2).border.top.style == "thin"
    for col in (1, 5, 6):
        cell = sheet.cell(row=total, column=col)
        assert cell.font.bold and cell.fill.fgColor.rgb.endswith("F2F2F2")
    # The total's figures keep their number formats under the total's look.
    assert sheet.cell(row=total, column=6).number_format == "0.0%"
    series = workbook["Theo tháng"]
    assert series.cell(row=4, column=2).font.bold
    assert series.cell(row=5, column=1).border.left.style == "thin"
    assert not series.cell(row=5, column=2).font.bold


def test_a_period_without_results_and_the_next_workbook_keep_their_looks(
    khanh_hoa, catalog
) -> None:
    """The looks are kept per workbook: a workbook made after another (a worker makes many)
    has its own styles, and a period with no result at all still has its frame."""
    program = add_results(khanh_hoa)
    books = [
        load_workbook(
            io.BytesIO(build_workbook(report_content(program, khanh_hoa.province, start, end)))
        )
        for start, end in (
            (month("2024-01"), month("2024-02")),
            (month("2025-01"), month("2025-06")),
        )
    ]
    empty, full = (book["Tiến độ"] for book in books)
    for sheet in (empty, full):
        header, figure = sheet.cell(row=7, column=4), sheet.cell(row=FIRST_ROW, column=6)
        assert header.font.bold and header.fill.fgColor.rgb.endswith("DCE6F1")
        assert figure.number_format == "0.0%" and figure.border.left.style == "thin"
        assert sheet.cell(row=FIRST_ROW + 2, column=1).font.bold  # the total row
    assert empty.cell(row=FIRST_ROW, column=5).value is None  # nothing entered in 2024
    assert full.cell(row=FIRST_ROW + 2, column=5).value == 15


def test_second_sheet_has_the_monthly_series(workbook, khanh_hoa) -> None:
    sheet = workbook["Theo tháng"]
    assert [sheet.cell(row=r, column=1).value for r in range(5, 11)] == [
        "01/2025",
        "02/2025",
        "03/2025",
        "04/2025",
        "05/2025",
        "06/2025",
    ]
    # 939-01 is cumulative: the running total at the end of each month.
    assert [sheet.cell(row=r, column=2).value for r in range(5, 11)] == [4, 9, 15, 15, 15, 15]


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_would_start_a_formula_is_defused(text: str) -> None:
    assert safe_text(text) == "'" + text


def test_a_unit_name_typed_as_a_formula_never_becomes_one(khanh_hoa, catalog) -> None:
    khanh_hoa.nha_trang.name = '=HYPERLINK("http://x","Nha Trang")'
    khanh_hoa.nha_trang.save()
    program = add_results(khanh_hoa)
    content = report_content(program, khanh_hoa.province, month("2025-01"), month("2025-06"))
    book = load_workbook(io.BytesIO(build_workbook(content)))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
                    assert cell.data_type != "f"
