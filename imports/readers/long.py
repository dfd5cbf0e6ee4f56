"""The long shape: one row per unit, indicator and period, as .xlsx or .csv.

    unit_code, indicator_code, month, value, numerator, denominator

The columns, the numbers and the unit codes are read as `load_results` reads them (the row
rules live in indicators.cycle.results_csv.RowReader); `month` may also name a quarter, a half-year
or a year ("2024-Q2", "2024-H1", "2024"): the figure is stored on the period's last month and
covers the whole period. Every problem comes back with its row and column letter.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from imports.parsed import ParsedFile, Period, Problem, ResultCell
from imports.readers.periods import parse_period
from indicators.cycle.results_csv import FIELD_COLUMNS, LineProblem, RowReader, units_by_code
from indicators.figures.rules import rule_for
from indicators.models import Indicator
from members.models import Unit
from programs.models import Program

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
Key = tuple[int, int, datetime.date]


def cell_text(value: object) -> str:
    """A workbook cell as the text a person would have typed: a float keeps its decimals with
    the Vietnamese decimal comma, so that 2.5 is never read as "2.5" = 25 thousand-grouped."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value).replace(".", ",")
    if isinstance(value, datetime.datetime | datetime.date):
        return f"{value:%Y-%m}"
    return "" if value is None else str(value).strip()


def workbook_rows(path: Path, nrows: int | None = None) -> list[list[str]]:
    """The first sheet's cells from A1, as text (python-calamine: ~100k rows a second)."""
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    table = sheet.to_python(skip_empty_area=False, nrows=nrows)
    return [[cell_text(v) for v in row] for row in table]


class LongReader(RowReader):
    def span(self, cells: dict[str, str]) -> Period | None:
        """The month or period of the row."""
        text = self.required(cells, "month")
        if not text:
            return None
        try:
            return parse_period(text)
        except ValueError as exc:
            self.error("month", str(exc))
            return None

    def letter(self, name: str) -> str:
        return get_column_letter(self.header.index(name) + 1) if name in self.header else ""


class _Rows:
    """Turns the rows a RowReader found into result cells, checking each against the file's
    unit, program and period."""

    def __init__(
        self, reader: LongReader, unit: Unit | None, program: Program | None, period: Period | None
    ) -> None:
        self.reader = reader
        self.root = unit
        self.program = program
        self.period = period
        self.first_line: dict[Key, int] = {}
        self.warnings: list[Problem] = []

    def check_place(self, unit: Unit, indicator: Indicator, span: Period) -> None:
        reader = self.reader
        if self.root is not None and not unit.is_within(self.root):
            reader.error(
                "unit_code",
                _("đơn vị %(unit)s không thuộc %(root)s") % {"unit": unit, "root": self.root},
            )
        if self.program is not None and indicator.program_id != self.program.pk:
            reader.error(
                "indicator_code",
                _("chỉ tiêu %(code)s không thuộc chương trình %(program)s")
                % {"code": indicator.code, "program": self.program.code},
            )
        period = self.period
        if period and not period.first_month <= span.first_month <= span.last_month <= (
            period.last_month
        ):
            reader.error(
                "month",
                _("kỳ %(span)s nằm ngoài kỳ %(period)s của tệp")
                % {"span": span.label, "period": period.label},
            )

    def cell(
        self, line: int, cells: dict[str, str], units: dict[str, list[Unit]], known: dict
    ) -> ResultCell | None:
        reader = self.reader
        reader.line = line
        before = len(reader.problems)
        span = reader.span(cells)
        indicator = reader.indicator(cells, known)
        unit = reader.unit(cells, span.last_month if span else None, units)
        if span and indicator:
            reader.check_month(span.last_month, indicator)
        numbers = {column: reader.number(cells, column) for column in FIELD_COLUMNS.values()}
        if span is None or indicator is None or unit is None:
            return None
        self.check_place(unit, indicator, span)
        if all(n is None for n in numbers.values()) and len(reader.problems) == before:
            column = "numerator" if rule_for(indicator).stores_fraction else "value"
            message = _("không có số liệu (chưa báo cáo): bỏ qua dòng này")
            self.warnings.append(Problem(line, reader.letter(column), message))
            return None
        key = (unit.pk, indicator.pk, span.last_month)
        if key in self.first_line:
            reader.error(
                "unit_code",
                _("đơn vị %(unit)s, chỉ tiêu %(code)s, kỳ %(span)s đã có ở dòng %(line)s")
                % {
                    "unit": cells["unit_code"],
                    "code": indicator.code,
                    "span": span.label,
                    "line": self.first_line[key],
                },
            )
        self.first_line.setdefault(key, line)
        if len(reader.problems) != before:
            return None
        return ResultCell(
            row=line,
            column=reader.letter("numerator" if rule_for(indicator).stores_fraction else "value"),
            unit_id=unit.pk,
            indicator_id=indicator.pk,
            month=span.last_month,
            covers_months=span.months,
            **numbers,
        )


def _problem(reader: LongReader, problem: LineProblem) -> Problem:
    letter = reader.letter(problem.column)
    message = problem.message
    if problem.column and not letter:  # a column missing from the header
        message = f"«{problem.column}»: {message}"
    return Problem(problem.line or None, letter, message)


def read_long(
    path: Path | str,
    *,
    unit: Unit | None = None,
    program: Program | None = None,
    period: Period | None = None,
) -> ParsedFile:
    path = Path(path)
    reader = LongReader(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        table = workbook_rows(path)
        raw = reader.table_rows(table[0] if table else [], enumerate(table[1:], start=2))
    else:
        raw = reader.raw_rows()
    parsed = ParsedFile(
        shape="long",
        rows=len(raw),
        unit_id=unit.pk if unit else None,
        program_code=program.code if program else "",
        period=period,
    )
    units = units_by_code({cells["unit_code"] for _line, cells in raw if cells["unit_code"]})
    known = {i.code: i for i in Indicator.objects.select_related("program")}
    rows = _Rows(reader, unit, program, period)
    for line, cells in raw:
        found = rows.cell(line, cells, units, known)
        if found is not None:
            parsed.results.append(found)
    parsed.errors = [_problem(reader, p) for p in reader.problems]
    parsed.warnings = rows.warnings
    return parsed
