"""Reads monthly results from a CSV file in long format and loads them through `record_results`.

One row per unit, indicator and month:

    unit_code,indicator_code,month,value,numerator,denominator
    01273,939-01,2025-07,2.238,,
    01273,939-02,2025-07,,1.450,2.238

`value` for sum, cumulative and stock indicators, `numerator` and `denominator` for rates; numbers
as Vietnamese people type them (common.numbers). UTF-8 with or without a BOM; a file saved by
Excel with ";" between columns (Vietnamese regional settings) is read too.

A unit code is the unit valid in the row's month: across the 2025 reform an old commune and a new
commune can share a code ("01273" is Phường Hợp Giang until 2025-06, Phường Thục Phán from
2025-07).

All or nothing: every problem of the file is reported at once with its line and column
(`ResultsFileError`), and nothing is written unless there is none.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import cached_property
from itertools import batched
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from common.numbers import NumberError, parse_number
from common.periods import month_start, parse_month
from indicators.cycle import recording
from indicators.cycle.entry import Entry, EntryError, Problem, SaveSummary, check_entries
from indicators.figures.rules import rule_for
from indicators.models import Indicator
from members import lifespan
from members.models import Unit

COLUMNS = ["unit_code", "indicator_code", "month", "value", "numerator", "denominator"]
# The column of each field of an Entry (the names happen to be the same).
FIELD_COLUMNS = {"value": "value", "numerator": "numerator", "denominator": "denominator"}
# Result stores 14 digits, 2 of them after the decimal mark.
MAX_NUMBER = Decimal(10) ** 12
_CODE_BATCH = 500


@dataclass
class LineProblem:
    """A problem of the file, where to find it: line 0 is the file itself."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            return _("%(file)s: %(message)s") % {"file": self.file, "message": self.message}
        if not self.column:
            return _("%(file)s, dòng %(line)s: %(message)s") % {
                "file": self.file,
                "line": self.line,
                "message": self.message,
            }
        return _("%(file)s, dòng %(line)s, cột «%(column)s»: %(message)s") % {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class ResultsFileError(Exception):
    def __init__(self, problems: list[LineProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class ResultsSummary(SaveSummary):
    """What `record_results` did, with its warnings also told by line of the file."""

    located_warnings: list[LineProblem] = field(default_factory=list)


def _decode(path: Path, problems: list[LineProblem]) -> str | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.append(LineProblem(path.name, 0, "", _("không tìm thấy tệp")))
        return None
    except OSError as exc:
        problems.append(
            LineProblem(path.name, 0, "", _("không đọc được tệp (%(error)s)") % {"error": exc})
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = _("không phải chữ UTF-8: lưu lại tệp dạng «CSV UTF-8»")
        problems.append(LineProblem(path.name, line, "", message))
        return None


def _delimiter(text: str) -> str:
    """The column separator: "," as the format says, or ";" for a header written that way
    (what Excel writes under Vietnamese regional settings)."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


class RowReader:
    """Reads the rows of one file into entries, collecting every problem on the way.

    Also the long-shape reader of legacy imports (imports.readers.long), which feeds it the
    rows of a workbook through `table_rows`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[LineProblem] = []
        self.line = 1
        self.header: list[str] = []

    def error(self, column: str, message: str) -> None:
        self.problems.append(LineProblem(self.path.name, self.line, column, message))

    def raw_rows(self) -> list[tuple[int, dict[str, str]]]:
        text = _decode(self.path, self.problems)
        if text is None:
            return []
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        try:
            header = next(reader, [])
            return self.table_rows(header, ((reader.line_num, row) for row in reader))
        except csv.Error as exc:
            self.line = reader.line_num
            self.error("", _("dòng CSV không đọc được (%(error)s)") % {"error": exc})
            return []

    def table_rows(
        self, header: Sequence[str], rows: Iterable[tuple[int, Sequence[str]]]
    ) -> list[tuple[int, dict[str, str]]]:
        """The non-empty rows under `header`, as {column name: text}."""
        self.header = [str(name).strip().lower() for name in header]
        missing = [c for c in COLUMNS if c not in self.header]
        for column in missing:
            self.error(column, _("thiếu cột này ở dòng tiêu đề"))
        if missing:
            return []
        index = {c: self.header.index(c) for c in COLUMNS}
        found = []
        for line, row in rows:
            cells = {c: (row[i] if i < len(row) else "").strip() for c, i in index.items()}
            if any(cells.values()):  # spreadsheets leave rows of empty cells behind
                found.append((line, cells))
        return found

    @cached_property
    def this_month(self) -> datetime.date:
        """Read once: a file of 100,000 rows would otherwise ask the time zone for each."""
        return month_start(timezone.localdate())

    def required(self, cells: dict[str, str], column: str) -> str:
        if not cells[column]:
            self.error(column, _("không được để trống"))
        return cells[column]

    def month(self, cells: dict[str, str]) -> datetime.date | None:
        text = self.required(cells, "month")
        if not text:
            return None
        try:
            return parse_month(text)
        except ValueError:
            self.error("month", _("«%(text)s» không phải là tháng (viết 2025-07)") % {"text": text})
            return None

    def check_month(self, month: datetime.date, indicator: Indicator) -> None:
        """The month form's rules on months (indicators.cycle.entry.ensure_can_enter)."""
        program = indicator.program
        if month > self.this_month:
            self.error("month", _("Chưa thể nhập số liệu cho một tháng chưa đến."))
        elif not program.start_year <= month.year <= program.end_year:
            self.error(
                "month",
                _("Tháng %(month)s nằm ngoài giai đoạn %(phase)s của chương trình.")
                % {"month": f"{month:%m/%Y}", "phase": program.phase},
            )

    def indicator(self, cells: dict[str, str], known: dict[str, Indicator]) -> Indicator | None:
        code = self.required(cells, "indicator_code")
        if code and code not in known:
            self.error("indicator_code", _("không có chỉ tiêu mã «%(code)s»") % {"code": code})
        return known.get(code)

    def unit(
        self,
        cells: dict[str, str],
        month: datetime.date | None,
        known: dict[str, list[Unit]],
    ) -> Unit | None:
        code = self.required(cells, "unit_code")
        if not code:
            return None
        if code not in known:
            self.error("unit_code", _("không có đơn vị mã «%(code)s»") % {"code": code})
            return None
        if month is None:  # reported on the month column; the code exists at some time
            return None
        valid = [u for u in known[code] if u.is_valid_on(month)]
        if len(valid) == 1:
            return valid[0]
        params = {
            "code": code,
            "month": f"{month:%m/%Y}",
            "units": ", ".join(sorted(u.name for u in (valid or known[code]))),
        }
        if valid:
            message = _("mã «%(code)s» ứng với nhiều đơn vị trong tháng %(month)s: %(units)s")
        elif len(known[code]) == 1:  # the unit's life: its dates, its successors or predecessors
            reason = lifespan.month_message(known[code][0], month)
            message = _("mã «%(code)s»: %(reason)s") % {"code": code, "reason": reason}
            self.error("unit_code", message)
            return None
        else:
            message = _(
                "không có đơn vị mã «%(code)s» hoạt động trong tháng %(month)s "
                "(mã này là của: %(units)s)"
            )
        self.error("unit_code", message % params)
        return None

    def number(self, cells: dict[str, str], column: str) -> Decimal | None:
        try:
            number = parse_number(cells[column])
        except NumberError as exc:
            self.error(column, str(exc))
            return None
        if number is not None and abs(number) >= MAX_NUMBER:
            self.error(column, _("«%(text)s» quá lớn") % {"text": cells[column]})
            return None
        return number


def units_by_code(codes: Iterable[str]) -> dict[str, list[Unit]]:
    units: dict[str, list[Unit]] = defaultdict(list)
    for batch in batched(sorted(codes), _CODE_BATCH):
        for unit in Unit.objects.filter(code__in=batch).order_by("path"):
            units[unit.code].append(unit)
    return dict(units)


def _read(path: Path) -> tuple[list[tuple[int, Entry]], list[LineProblem]]:
    """The rows that make an entry, and every problem of the file."""
    reader = RowReader(path)
    raw = reader.raw_rows()
    units = units_by_code({cells["unit_code"] for _line, cells in raw if cells["unit_code"]})
    indicators = {i.code: i for i in Indicator.objects.select_related("program", "part_of")}
    rows: list[tuple[int, Entry]] = []
    first_line: dict[tuple[int, int, datetime.date], int] = {}
    for line, cells in raw:
        reader.line = line
        before = len(reader.problems)
        month = reader.month(cells)
        indicator = reader.indicator(cells, indicators)
        unit = reader.unit(cells, month, units)
        if month and indicator:
            reader.check_month(month, indicator)
        numbers = {column: reader.number(cells, column) for column in FIELD_COLUMNS.values()}
        if month is None or indicator is None or unit is None:
            continue
        entry = Entry(unit, indicator, month, **numbers)
        if entry.is_blank and len(reader.problems) == before:
            # record_results deletes the saved figure for a blank entry; a file must not do that.
            column = "numerator" if rule_for(indicator).stores_fraction else "value"
            reader.error(column, _("không có số liệu"))
        if entry.key in first_line:
            reader.error(
                "unit_code",
                _("đơn vị %(unit)s, chỉ tiêu %(code)s, tháng %(month)s đã có ở dòng %(line)s")
                % {
                    "unit": cells["unit_code"],
                    "code": indicator.code,
                    "month": f"{month:%m/%Y}",
                    "line": first_line[entry.key],
                },
            )
        first_line.setdefault(entry.key, line)
        if len(reader.problems) == before:
            rows.append((line, entry))
    return rows, reader.problems


def read_results_csv(path: Path | str) -> list[tuple[int, Entry]]:
    """Every row of the file as (line, entry); `ResultsFileError` listing every problem.

    Only the file's own checks: the entry rules (levels, fractions, breakdowns) are
    `record_results`' and reported by `load_results`.
    """
    rows, problems = _read(Path(path))
    if problems:
        raise ResultsFileError(problems)
    return rows


def _locate(
    path: Path, rows: Sequence[tuple[int, Entry]], problems: Iterable[Problem]
) -> list[LineProblem]:
    """Entry problems told by line (each entry object is one row's) and column, in file order."""
    line_of = {id(entry): line for line, entry in rows}
    located = [
        LineProblem(path.name, line_of[id(p.entry)], FIELD_COLUMNS.get(p.field, p.field), p.message)
        for p in problems
    ]
    return sorted(located, key=lambda p: p.line)


def load_results(path: Path | str) -> ResultsSummary:
    """Loads a results file: every row or, on any problem, none (`ResultsFileError`).

    Idempotent: loading the same file again reports every row unchanged and touches no row.
    """
    path = Path(path)
    rows, problems = _read(path)
    entries = [entry for _line, entry in rows]
    if problems:
        # Nothing is written, but the rows that could be read are checked too, so that one run
        # lists everything to fix.
        errors = [p for p in check_entries(entries, source="import") if p.blocking]
        problems += _locate(path, rows, errors)
        raise ResultsFileError(sorted(problems, key=lambda p: p.line))
    try:
        summary = recording.record_results(entries, source="import")
    except EntryError as exc:
        raise ResultsFileError(_locate(path, rows, exc.problems)) from exc
    return ResultsSummary(
        **{f.name: getattr(summary, f.name) for f in fields(summary)},
        located_warnings=_locate(path, rows, summary.warnings),
    )
