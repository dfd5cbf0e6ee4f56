"""A worksheet as a legacy-file reader sees it: merged cells unmerged (every cell of a merged
range reads as its top-left cell), text converted from the TCVN3/VNI fonts, and where the table's
header is. Used by the wide-form reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.worksheet.worksheet import Worksheet

from imports.readers.legacy_fonts import Encoding, guess_sheet_encoding, to_unicode
from imports.readers.periods import fold

# Folded texts of the header cell above the units' names.
UNIT_HEADERS = {"DON VI", "TEN DON VI", "DON VI HOI", "CO SO HOI", "TEN CO SO HOI", "DIA BAN"}
CODE_HEADERS = {"MA", "MA DON VI", "MA DV", "MA SO", "MA DIA BAN"}
SUB_HEADERS = {
    "plan": {"KE HOACH", "KH", "CHI TIEU", "CHI TIEU KE HOACH"},
    "actual": {"THUC HIEN", "TH", "KET QUA", "KET QUA THUC HIEN"},
    "ratio": {"TY LE", "TY LE %", "TI LE", "TI LE %", "%", "TY LE (%)", "TI LE (%)"},
    "numerator": {"TU SO"},
    "denominator": {"MAU SO"},
}
# How far down a header may start (title blocks are a handful of rows).
HEADER_SEARCH_ROWS = 40


@dataclass(frozen=True)
class Header:
    row: int  # the row of the indicator names; their sub-columns are on row + 1
    unit_column: int
    code_column: int | None


class Sheet:
    def __init__(self, worksheet: Worksheet) -> None:
        self.ws = worksheet
        self.max_row = worksheet.max_row
        self.max_column = worksheet.max_column
        # Every cell of a merged range points at the range's top-left cell.
        self._origin: dict[tuple[int, int], tuple[int, int]] = {}
        self._range_of: dict[tuple[int, int], str] = {}
        for merged in worksheet.merged_cells.ranges:
            for row in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    self._origin[(row, col)] = (merged.min_row, merged.min_col)
                    self._range_of[(row, col)] = merged.coord
        texts = (
            cell.value
            for row in worksheet.iter_rows()
            for cell in row
            if isinstance(cell.value, str)
        )
        self.encoding: Encoding = guess_sheet_encoding(texts)

    def cell(self, row: int, col: int) -> Cell:
        origin = self._origin.get((row, col), (row, col))
        cell = self.ws.cell(*origin)
        assert not isinstance(cell, MergedCell)
        return cell

    def value(self, row: int, col: int) -> object:
        """The cell's value, a merged cell's being its range's; text converted to Unicode."""
        cell = self.cell(row, col)
        if isinstance(cell.value, str):
            return to_unicode(cell.value, encoding=self.encoding, font_name=cell.font.name)
        return cell.value

    def own_value(self, row: int, col: int) -> object:
        """Like `value`, but None inside a merged range except at its top-left cell: a number
        merged over two rows counts once."""
        origin = self._origin.get((row, col))
        return None if origin not in (None, (row, col)) else self.value(row, col)

    def text(self, row: int, col: int) -> str:
        value = self.value(row, col)
        return "" if value is None else str(value).strip()

    def span(self, row: int, col: int) -> str:
        """What identifies a header cell: its merged range, or itself."""
        return self._range_of.get((row, col), f"{row}:{col}")

    def is_blank_row(self, row: int) -> bool:
        return all(self.text(row, col) == "" for col in range(1, self.max_column + 1))

    def find_header(self) -> Header | None:
        """The row naming the indicators: it has "Đơn vị" (or the like) and the row below has
        "Kế hoạch"/"Thực hiện"/"Tỷ lệ %" sub-headers, wherever the title block ends."""
        for row in range(1, min(self.max_row, HEADER_SEARCH_ROWS) + 1):
            folded = {col: fold(self.text(row, col)) for col in range(1, self.max_column + 1)}
            unit_columns = [col for col, text in folded.items() if text in UNIT_HEADERS]
            if not unit_columns or not self._has_sub_headers(row + 1, unit_columns[0]):
                continue
            codes = [col for col, text in folded.items() if text in CODE_HEADERS]
            return Header(row, unit_columns[0], codes[0] if codes else None)
        return None

    def _has_sub_headers(self, row: int, after: int) -> bool:
        return any(sub_kind(self.text(row, col)) for col in range(after + 1, self.max_column + 1))


def sub_kind(text: str) -> str:
    """ "plan", "actual", "ratio", "numerator", "denominator" for a sub-header, or ""."""
    folded = fold(text).rstrip(":")
    for kind, names in SUB_HEADERS.items():
        if folded in names:
            return kind
    return ""
