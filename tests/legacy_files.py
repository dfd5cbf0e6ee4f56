"""Builds wide-form workbooks the way provinces make them, for the legacy reader's tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

# What a cell may hold in these files.
Value = str | int | float | None

SUBS = ("Kế hoạch", "Thực hiện", "Tỷ lệ %")

# The names the Cao Bằng sample uses for four indicators of Đề án 939.
NAME_939_01 = "Số phụ nữ khởi sự kinh doanh, khởi nghiệp được hỗ trợ"
NAME_939_03 = (
    "Số tổ hợp tác, hợp tác xã, tổ phụ nữ liên kết do phụ nữ tham gia quản lý được hỗ trợ thành lập"
)
NAME_939_06 = "Số lớp tập huấn hỗ trợ khởi nghiệp được tổ chức"


@dataclass
class WideFile:
    """A customary report: title lines, a header at (`top`, `left`), one row per unit and a
    total row. `rows` are (unit name, values in the sub-columns' order); `font` is the font
    every text cell is set in (".VnTime" for a TCVN3 sheet)."""

    titles: list[str]
    indicators: list[str]
    rows: list[tuple[str, list[Value]]]
    subs: tuple[str, ...] = SUBS
    top: int = 6
    left: int = 1
    total: list[Value] | None = None
    total_name: str = "Tổng cộng"
    codes: list[str] = field(default_factory=list)  # a "Mã" column when given
    font: str | None = None
    title_font: str | None = None
    unit_header: str = "Đơn vị"

    def save(self, path: Path) -> Path:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        assert isinstance(sheet, Worksheet)
        sheet.title = "Bieu 01"
        width = len(self.indicators) * len(self.subs) + 2 + bool(self.codes)
        self._titles(sheet, width)
        first = self._header(sheet)
        for offset, (name, values) in enumerate(self.rows):
            row = self.top + 2 + offset
            self._text(sheet, row, self.left, offset + 1)
            self._text(sheet, row, self.left + 1, name)
            if self.codes:
                self._text(sheet, row, self.left + 2, self.codes[offset])
            for index, value in enumerate(values):
                self._text(sheet, row, first + index, value)
        if self.total is not None:
            row = self.top + 2 + len(self.rows)
            self._text(sheet, row, self.left + 1, self.total_name)
            for index, value in enumerate(self.total):
                self._text(sheet, row, first + index, value)
        workbook.save(path)
        return path

    def _titles(self, sheet: Worksheet, width: int) -> None:
        for row, line in enumerate(self.titles, start=1):
            last = get_column_letter(self.left + width - 1)
            first = get_column_letter(self.left)
            sheet.merge_cells(f"{first}{row}:{last}{row}")
            self._text(sheet, row, self.left, line, font=self.title_font or self.font)

    def _header(self, sheet: Worksheet) -> int:
        """STT and Đơn vị (and Mã) merged down two rows, names merged across their subs."""
        top, left = self.top, self.left
        heads = ["STT", self.unit_header] + (["Mã"] if self.codes else [])
        for offset, head in enumerate(heads):
            self._text(sheet, top, left + offset, head)
            letter = get_column_letter(left + offset)
            sheet.merge_cells(f"{letter}{top}:{letter}{top + 1}")
        first = left + len(heads)
        for number, name in enumerate(self.indicators):
            start = first + number * len(self.subs)
            self._text(sheet, top, start, name)
            if len(self.subs) > 1:
                end = get_column_letter(start + len(self.subs) - 1)
                sheet.merge_cells(f"{get_column_letter(start)}{top}:{end}{top}")
            for index, sub in enumerate(self.subs):
                self._text(sheet, top + 1, start + index, sub)
        return first

    def _text(
        self, sheet: Worksheet, row: int, col: int, value: Value, *, font: str | None = None
    ) -> None:
        cell = sheet.cell(row=row, column=col, value=value)
        if (font or self.font) and isinstance(value, str):
            cell.font = Font(name=font or self.font)
