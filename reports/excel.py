"""The progress report as an Excel workbook, in the customary layout of the Union's reports.

Sheet 1 (Tiến độ): a title block (Union, report title with program and period, date made), a
two-row header (STT, unit code, unit name, then per indicator a merged cell over Kế hoạch /
Thực hiện / Tỷ lệ %), one row per child unit, a total row, frozen header. Sheet 2 (Theo tháng):
the unit's figure of every indicator month by month. Asked for "levels below", one more sheet per
level (reports.selectors.levels_below), after the main sheet: the same layout with a column
Thuộc (the parent's name) and no total row, the units sorted under their parents. Its name says
the level without the slash of the level's own name ("Xã, phường"): Excel forbids `/` there.

Every figure is written as a number, exactly as indicators.figures.engine computed it; Excel's
number
formats do the rounding on screen. Every text that could come from a user (unit and indicator
names, codes) goes through `safe_text`, so that no cell starts a formula.
"""

from __future__ import annotations

import io
from copy import copy
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from common.spreadsheet import safe_text
from indicators.figures.engine import Figure
from indicators.figures.rules import rule_for
from indicators.models import Indicator
from members.models import Level, Unit
from reports.labels import goal_label, notes, rest_label
from reports.selectors import LevelSheet, ReportContent, Row

FIXED_COLUMNS = 3  # STT, Mã, Đơn vị
LEVEL_FIXED_COLUMNS = 4  # STT, Mã, Đơn vị, Thuộc
HEADER_TOP = 6  # first header row; the title block sits above
NUMBER = "#,##0.##"
COUNT = "#,##0"
PERCENT_VALUE = '0.0"%"'
ACHIEVEMENT = "0.0%"

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
ITALIC = Font(italic=True)

# The looks a report's cells take, by name (see `_style`).
LOOKS: dict[str, dict[str, object]] = {
    "header": {"font": BOLD, "fill": HEADER_FILL, "alignment": WRAP_CENTER, "border": BOX},
    "total": {"font": BOLD, "fill": TOTAL_FILL, "border": BOX},
    "rest": {"font": ITALIC, "border": BOX},
    "box": {"border": BOX},
}


def _style(cell: Cell | MergedCell, look: str, number_format: str | None = None) -> None:
    """Gives the cell a look of LOOKS (and a number format). openpyxl hashes every style
    object on every assignment, most of a report's time: each (look, format, the cell's
    styles before) is worked out once per workbook, and later cells take a copy of the
    result (openpyxl's StyleArray of indexes into the workbook's style lists)."""
    styled: Any = cell  # openpyxl's typing leaves out the StyleArray (`_style`)
    known = styled.parent.parent.__dict__.setdefault("_portal_looks", {})
    key = (look, number_format, tuple(styled._style or ()))  # None: a cell with no style yet
    styles = known.get(key)
    if styles is None:
        for name, value in LOOKS[look].items():
            setattr(styled, name, value)
        if number_format is not None:
            styled.number_format = number_format
        known[key] = copy(styled._style)
    else:
        styled._style = copy(styles)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _value_format(indicator: Indicator) -> str:
    return PERCENT_VALUE if rule_for(indicator).is_percent else NUMBER


def _title_block(ws: Worksheet, content: ReportContent, width: int) -> None:
    union = _("Hội LHPN %(unit)s") % {"unit": content.unit.name}
    ws.cell(row=1, column=1, value=safe_text(_("HỘI LIÊN HIỆP PHỤ NỮ VIỆT NAM"))).font = BOLD
    ws.cell(row=2, column=1, value=safe_text(union.upper())).font = BOLD
    title = _("BÁO CÁO TIẾN ĐỘ THỰC HIỆN %(program)s") % {"program": content.program.name_vi}
    ws.cell(row=3, column=1, value=safe_text(title.upper())).font = TITLE
    period = _("Kỳ báo cáo: từ tháng %(start)s đến tháng %(end)s · Ngày lập: %(day)s") % {
        "start": f"{content.start:%m/%Y}",
        "end": f"{content.end:%m/%Y}",
        "day": f"{content.made_on:%d/%m/%Y}",
    }
    ws.cell(row=4, column=1, value=safe_text(period))
    for row in (1, 2, 3, 4):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center")


def _header(
    ws: Worksheet,
    indicators: list[Indicator],
    fixed: int = FIXED_COLUMNS,
    goals: list[str] | None = None,
) -> None:
    """The two header rows; `goals`: each indicator's Kế hoạch label (reports.labels.
    goal_label), else "Kế hoạch"."""
    top, sub = HEADER_TOP, HEADER_TOP + 1
    labels = (_("STT"), _("Mã đơn vị"), _("Đơn vị"), _("Thuộc"))[:fixed]
    for col, label in enumerate(labels, start=1):
        ws.cell(row=top, column=col, value=safe_text(label))
        ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
    for i, indicator in enumerate(indicators):
        first = fixed + 1 + 3 * i
        name = f"{indicator.code} {indicator.name_vi} ({indicator.unit})"
        ws.cell(row=top, column=first, value=safe_text(name))
        ws.merge_cells(start_row=top, start_column=first, end_row=top, end_column=first + 2)
        goal = goals[i] if goals is not None else _("Kế hoạch")
        for offset, label in enumerate((goal, _("Thực hiện"), _("Tỷ lệ %"))):
            ws.cell(row=sub, column=first + offset, value=safe_text(label))
    last = fixed + 3 * len(indicators)
    for row in (top, sub):
        for col in range(1, last + 1):
            _style(ws.cell(row=row, column=col), "header")
    ws.row_dimensions[top].height = 75


def _figures(
    ws: Worksheet,
    row: int,
    indicators: list[Indicator],
    figures: list[Figure],
    fixed: int = FIXED_COLUMNS,
) -> None:
    for i, (indicator, fig) in enumerate(zip(indicators, figures, strict=True)):
        first = fixed + 1 + 3 * i
        achievement = None if fig.achievement is None else fig.achievement / 100
        values = (
            (_number(fig.compared_with), _value_format(indicator)),
            (_number(fig.value), _value_format(indicator)),
            (_number(achievement), ACHIEVEMENT),
        )
        for offset, (value, number_format) in enumerate(values):
            _style(ws.cell(row=row, column=first + offset, value=value), "box", number_format)


def _progress_sheet(ws: Worksheet, content: ReportContent) -> None:
    indicators = content.indicators
    width = FIXED_COLUMNS + 3 * len(indicators)
    _title_block(ws, content, width)
    _header(ws, indicators, goals=[goal_label(content, i) for i in range(len(indicators))])
    row = HEADER_TOP + 2
    for number, line in enumerate(content.rows, start=1):
        _unit_cells(ws, row, number, line, content)
        _figures(ws, row, indicators, line.figures)
        row += 1
    if content.rest is not None:
        ws.cell(row=row, column=1, value=safe_text(rest_label()))
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=FIXED_COLUMNS)
        _figures(ws, row, indicators, content.rest)
        for col in range(1, FIXED_COLUMNS + 1):
            _style(ws.cell(row=row, column=col), "rest")
        row += 1
    total_label = _("Tổng cộng (%(unit)s)") % {"unit": content.unit.name}
    ws.cell(row=row, column=1, value=safe_text(total_label))
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=FIXED_COLUMNS)
    _figures(ws, row, indicators, content.total)
    for col in range(1, width + 1):
        _style(ws.cell(row=row, column=col), "total")
    for offset, note in enumerate(notes(content), start=2):
        ws.cell(row=row + offset, column=1, value=safe_text(note)).font = ITALIC
    _frame(ws, FIXED_COLUMNS, width)


def _unit_label(unit: Unit, content: ReportContent) -> str:
    """The unit's name, with the day it ended when that is before the range's end."""
    if unit.valid_to is None or unit.valid_to >= content.end:
        return unit.name
    return _("%(name)s (đến %(day)s)") % {"name": unit.name, "day": f"{unit.valid_to:%d/%m/%Y}"}


def _unit_cells(
    ws: Worksheet, row: int, number: int, line: Row, content: ReportContent, *, parent: bool = False
) -> None:
    """STT, code and name of the row's unit (and the parent's name on a sheet of a level)."""
    ws.cell(row=row, column=1, value=number).number_format = COUNT
    ws.cell(row=row, column=2, value=safe_text(line.unit.code))
    ws.cell(row=row, column=3, value=safe_text(_unit_label(line.unit, content)))
    fixed = FIXED_COLUMNS
    if parent:
        assert line.unit.parent is not None
        ws.cell(row=row, column=4, value=safe_text(line.unit.parent.name))
        fixed = LEVEL_FIXED_COLUMNS
    for col in range(1, fixed + 1):
        _style(ws.cell(row=row, column=col), "box")


def _frame(ws: Worksheet, fixed: int, width: int) -> None:
    """Frozen header and unit columns, column widths, printing on landscape A4."""
    ws.freeze_panes = f"{get_column_letter(fixed + 1)}{HEADER_TOP + 2}"
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 34
    if fixed == LEVEL_FIXED_COLUMNS:
        ws.column_dimensions["D"].width = 28
    for col in range(fixed + 1, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 12
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = f"{HEADER_TOP}:{HEADER_TOP + 1}"


def sheet_title(level: str) -> str:
    """The sheet's name: the level's, without the `/` that Excel forbids in a sheet name."""
    titles: dict[str, str] = {
        Level.DISTRICT: _("Huyện, quận"),
        Level.COMMUNE: _("Xã, phường"),
        Level.BRANCH: _("Chi hội"),
    }
    return titles.get(level, str(Level(level).label).replace("/", ", "))


def _level_sheet(ws: Worksheet, content: ReportContent, sheet: LevelSheet) -> None:
    """Every unit of one level below the report's rows, under its parent (no total row: the
    total is the main sheet's)."""
    width = LEVEL_FIXED_COLUMNS + 3 * len(sheet.indicators)
    _title_block(ws, content, width)
    caption = _("Chi tiết cấp %(level)s: %(count)s đơn vị, xếp theo đơn vị cấp trên.") % {
        "level": str(Level(sheet.level).label).lower(),
        "count": len(sheet.rows),
    }
    if sheet.level == Level.BRANCH:
        caption += " " + _("Chỉ các chỉ tiêu thu thập ở chi hội.")
    ws.cell(row=HEADER_TOP - 1, column=1, value=safe_text(caption)).font = ITALIC
    _header(ws, sheet.indicators, LEVEL_FIXED_COLUMNS)
    for number, line in enumerate(sheet.rows, start=1):
        row = HEADER_TOP + 1 + number
        _unit_cells(ws, row, number, line, content, parent=True)
        _figures(ws, row, sheet.indicators, line.figures, LEVEL_FIXED_COLUMNS)
    _frame(ws, LEVEL_FIXED_COLUMNS, width)


def _series_sheet(ws: Worksheet, content: ReportContent) -> None:
    indicators = content.indicators
    title = _("%(unit)s: kết quả từng tháng") % {"unit": content.unit.name}
    ws.cell(row=1, column=1, value=safe_text(title)).font = TITLE
    ws.cell(row=2, column=1, value=safe_text(_("Chỉ tiêu lũy kế: số lũy kế đến hết tháng.")))
    header = 4
    ws.cell(row=header, column=1, value=safe_text(_("Tháng")))
    for j, indicator in enumerate(indicators, start=2):
        name = f"{indicator.code} {indicator.name_vi} ({indicator.unit})"
        ws.cell(row=header, column=j, value=safe_text(name))
        ws.column_dimensions[get_column_letter(j)].width = 16
    for col in range(1, len(indicators) + 2):
        _style(ws.cell(row=header, column=col), "header")
    ws.row_dimensions[header].height = 90
    for i, (month, figures) in enumerate(zip(content.months, content.series, strict=True)):
        row = header + 1 + i
        _style(ws.cell(row=row, column=1, value=f"{month:%m/%Y}"), "box")
        for j, (indicator, fig) in enumerate(zip(indicators, figures, strict=True), start=2):
            cell = ws.cell(row=row, column=j, value=_number(fig.value))
            _style(cell, "box", _value_format(indicator))
    ws.column_dimensions["A"].width = 10
    ws.freeze_panes = f"B{header + 1}"


def build_workbook(content: ReportContent) -> bytes:
    workbook = Workbook()
    progress = workbook.active
    assert progress is not None
    progress.title = _("Tiến độ")
    _progress_sheet(progress, content)
    for sheet in content.levels:
        _level_sheet(workbook.create_sheet(sheet_title(sheet.level)), content, sheet)
    _series_sheet(workbook.create_sheet(_("Theo tháng")), content)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
