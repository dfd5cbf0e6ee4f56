"""Reads and checks a catalogue folder (programs.csv, indicators.csv, targets.csv).

Nothing here writes: `read_catalog` returns checked rows or raises `CatalogError` listing every
problem with its file, line and column, so that a bad file never half-loads.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

from common.numbers import NumberError, parse_number
from indicators.catalogue.derived import SpecError, parse_spec
from indicators.figures.rules import RULES
from indicators.models import CollectionLevel, Indicator, Periodicity, Rule
from members.models import Unit
from members.selectors import province_by_name
from programs.models import Program
from programs.selectors import activity_type_codes

PROGRAM_COLUMNS = ["code", "name_vi", "name_en", "start_year", "end_year"]
INDICATOR_COLUMNS = [
    "program", "code", "name_vi", "name_en", "unit", "rule", "level", "periodicity",
    "source", "threshold", "part_of",
]  # fmt: skip
# Optional columns: older catalogues without them still load.
OPTIONAL_INDICATOR_COLUMNS = ["derived_from"]
# The catalogue's rules are values typed in a file, checked before any indicator exists: the
# sets of values whose rule class (indicators.figures.rules) has the fact.
# A figure derived from activities is a count or a sum: it adds up over units and months.
DERIVABLE_RULES = {value for value, rule in RULES.items() if rule.adds_up}
TARGET_COLUMNS = ["province", "program", "indicator", "period_end", "target", "source"]
# Rules whose targets are percentages.
PERCENT_RULES = {value for value, rule in RULES.items() if rule.is_percent}
# Rules computed from a source indicator and a threshold (no indicator may rest on one).
SOURCED_RULES = {value for value, rule in RULES.items() if rule.has_source}


@dataclass
class Problem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("%(file)s, dòng %(line)s, cột «%(column)s»: %(message)s") % {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class CatalogError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class ProgramRow:
    code: str
    name_vi: str
    name_en: str
    start_year: int
    end_year: int


@dataclass
class IndicatorRow:
    program: str
    code: str
    name_vi: str
    name_en: str
    unit: str
    rule: str
    level: str
    periodicity: str
    source: str
    threshold: Decimal | None
    part_of: str
    position: int
    derived_from: str = ""


@dataclass
class TargetRow:
    unit: Unit
    indicator: str
    period_end: datetime.date
    value: Decimal
    note: str


@dataclass
class Catalog:
    programs: list[ProgramRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    targets: list[TargetRow] = field(default_factory=list)


def parse_period_end(text: str) -> datetime.date:
    """ "2025" -> 2025-12-31; "2025-06-30" or "30/06/2025" -> that day; ValueError otherwise."""
    text = text.strip()
    if text.isdigit() and len(text) == 4:
        return datetime.date(int(text), 12, 31)
    if "/" in text:
        day, month, year = text.split("/")
        return datetime.date(int(year), int(month), int(day))
    return datetime.date.fromisoformat(text)


class _Rows:
    """Iterates a CSV file's rows as (line, row) and collects problems against that file."""

    def __init__(self, path: Path, columns: list[str], problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        self.line = 1
        self._rows = self._read(columns)

    def _read(self, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            for column in missing:
                self.error(column, _("thiếu cột này ở dòng tiêu đề"))
            if missing:
                return []
            optional = {c: "" for c in OPTIONAL_INDICATOR_COLUMNS}
            return [
                (reader.line_num, optional | {k: (v or "").strip() for k, v in row.items() if k})
                for row in reader
            ]

    def error(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.path.name, self.line, column, message))

    def __iter__(self) -> Iterator[dict[str, str]]:
        for line, row in self._rows:
            self.line = line
            yield row

    def required(self, row: dict[str, str], column: str) -> str:
        value = row[column]
        if not value:
            self.error(column, _("không được để trống"))
        return value

    def number[T](self, row: dict[str, str], column: str, kind: Callable[[str], T]) -> T | None:
        text = row[column]
        if not text:
            return None
        try:
            return kind(text)
        except (ValueError, InvalidOperation):
            self.error(column, _("«%(text)s» không phải là số") % {"text": text})
            return None

    def vn_number(self, row: dict[str, str], column: str) -> Decimal | None:
        """A number typed the Vietnamese way ("1.100", "70,5")."""
        try:
            return parse_number(row[column])
        except NumberError as exc:
            self.error(column, str(exc))
            return None

    def choice(self, row: dict[str, str], column: str, allowed: list[str]) -> str:
        value = self.required(row, column)
        if value and value not in allowed:
            self.error(
                column,
                _("«%(value)s» không hợp lệ; chỉ nhận: %(allowed)s")
                % {"value": value, "allowed": ", ".join(allowed)},
            )
        return value


def _read_programs(path: Path, problems: list[Problem]) -> tuple[list[ProgramRow], set[str]]:
    """The valid rows, and every code in the file (so a bad row does not cascade)."""
    rows = _Rows(path, PROGRAM_COLUMNS, problems)
    result: list[ProgramRow] = []
    seen: set[str] = set()
    for row in rows:
        code = rows.required(row, "code")
        if code in seen:
            rows.error("code", _("mã «%(code)s» bị lặp lại") % {"code": code})
        seen.add(code)
        name_vi = rows.required(row, "name_vi")
        start = rows.number(row, "start_year", int)
        end = rows.number(row, "end_year", int)
        if start is None and row["start_year"] == "":
            rows.error("start_year", _("không được để trống"))
        if end is None and row["end_year"] == "":
            rows.error("end_year", _("không được để trống"))
        ordered = start is not None and end is not None and start <= end
        if start is not None and end is not None and not ordered:
            rows.error("end_year", _("năm kết thúc sớm hơn năm bắt đầu"))
        if code and name_vi and start is not None and end is not None and ordered:
            result.append(ProgramRow(code, name_vi, row["name_en"], start, end))
    return result, seen


def _check_indicator_refs(
    rows: _Rows, row: dict[str, str], rule: str, known: dict[str, str]
) -> None:
    """Coverage needs a source and a threshold; a breakdown's total must exist."""
    if rule in SOURCED_RULES:
        if not row["source"]:
            rows.error("source", _("chỉ tiêu tỷ lệ đơn vị đạt ngưỡng cần chỉ tiêu nguồn"))
        if not row["threshold"]:
            rows.error("threshold", _("chỉ tiêu tỷ lệ đơn vị đạt ngưỡng cần ngưỡng"))
    elif row["source"] or row["threshold"]:
        column = "source" if row["source"] else "threshold"
        rows.error(column, _("chỉ dùng cho chỉ tiêu tỷ lệ đơn vị đạt ngưỡng (coverage)"))
    for column in ("source", "part_of"):
        ref = row[column]
        if ref and ref == row["code"]:
            rows.error(column, _("chỉ tiêu không thể tham chiếu chính nó"))
        elif ref and ref not in known:
            rows.error(column, _("không có chỉ tiêu mã «%(code)s»") % {"code": ref})
        elif ref and known[ref] in SOURCED_RULES:
            rows.error(column, _("không thể dựa trên một chỉ tiêu tỷ lệ đơn vị đạt ngưỡng"))


def _check_derived(rows: _Rows, row: dict[str, str], rule: str, types: set[str]) -> str:
    """The `derived_from` spec if it reads and suits the rule (a count or a sum adds up)."""
    text = row["derived_from"]
    if not text:
        return ""
    try:
        parse_spec(text, types)
    except SpecError as exc:
        rows.error("derived_from", str(exc))
        return ""
    if rule and rule not in DERIVABLE_RULES:
        rows.error(
            "derived_from",
            _("chỉ tiêu tính từ hoạt động phải có cách tổng hợp sum hoặc cumulative"),
        )
    return text


def _read_indicators(path: Path, programs: set[str], problems: list[Problem]) -> list[IndicatorRow]:
    rows = _Rows(path, INDICATOR_COLUMNS, problems)
    types = activity_type_codes()
    raw = list(rows)  # first pass: codes, so references may point forward in the file
    known = dict(Indicator.objects.values_list("code", "rule"))
    known.update({row["code"]: row["rule"] for row in raw if row["code"]})
    result: list[IndicatorRow] = []
    seen: set[str] = set()
    for row in rows:
        program = rows.required(row, "program")
        if program and program not in programs:
            rows.error("program", _("không có chương trình mã «%(code)s»") % {"code": program})
        code = rows.required(row, "code")
        if code in seen:
            rows.error("code", _("mã «%(code)s» bị lặp lại") % {"code": code})
        seen.add(code)
        rule = rows.choice(row, "rule", Rule.values)
        level = rows.choice(row, "level", CollectionLevel.values)
        periodicity = rows.choice(row, "periodicity", Periodicity.values)
        threshold = rows.number(row, "threshold", Decimal)
        _check_indicator_refs(rows, row, rule, known)
        derived_from = _check_derived(rows, row, rule, types)
        result.append(
            IndicatorRow(
                program,
                code,
                rows.required(row, "name_vi"),
                row["name_en"],
                rows.required(row, "unit"),
                rule,
                level,
                periodicity,
                row["source"],
                threshold,
                row["part_of"],
                position=len(result) + 1,
                derived_from=derived_from,
            )
        )
    return result


def _target_period_end(
    rows: _Rows, row: dict[str, str], phase: tuple[int, int] | None
) -> datetime.date | None:
    """A year ("2025": its last day) or a date ("2025-06-30", "30/06/2025") within the phase."""
    text = rows.required(row, "period_end")
    if not text:
        return None
    try:
        day = parse_period_end(text)
    except ValueError:
        rows.error(
            "period_end",
            _("«%(text)s» không phải là năm (2025) hay ngày (2025-12-31)") % {"text": text},
        )
        return None
    if phase and not phase[0] <= day.year <= phase[1]:
        rows.error(
            "period_end",
            _("năm %(year)s nằm ngoài giai đoạn %(start)s–%(end)s của chương trình")
            % {"year": day.year, "start": phase[0], "end": phase[1]},
        )
    return day


def _target_unit(rows: _Rows, row: dict[str, str], day: datetime.date | None) -> Unit | None:
    """A province by name ("Khánh Hòa"), or any unit by its code ("22735") valid at `day`."""
    name = rows.required(row, "province")
    if not name:
        return None
    if not name[0].isdigit():
        unit = province_by_name(name)
        if unit is None:
            rows.error(
                "province",
                _("chưa có tỉnh «%(name)s» trong hệ thống (chạy load_units trước)")
                % {"name": name},
            )
        return unit
    units = Unit.objects.filter(code=name)
    if day is not None:
        units = units.valid_on(day)
    found = list(units[:2])
    if len(found) != 1:
        message = (
            _("không có đơn vị mã «%(code)s» còn hiệu lực vào cuối kỳ")
            if not found
            else _("mã «%(code)s» ứng với nhiều đơn vị; dùng tên tỉnh hoặc mã khác")
        )
        rows.error("province", message % {"code": name})
        return None
    return found[0]


def _target_indicator(
    rows: _Rows, row: dict[str, str], indicators: dict[str, tuple[str, str]], programs: set[str]
) -> str:
    """The indicator's rule if the program and the indicator exist and belong together."""
    program, code = rows.required(row, "program"), rows.required(row, "indicator")
    if program and program not in programs:
        rows.error("program", _("không có chương trình mã «%(code)s»") % {"code": program})
    elif code and code not in indicators:
        rows.error("indicator", _("không có chỉ tiêu mã «%(code)s»") % {"code": code})
    elif code and program and indicators[code][0] != program:
        rows.error(
            "indicator",
            _("chỉ tiêu «%(code)s» không thuộc chương trình «%(program)s»")
            % {"code": code, "program": program},
        )
    return indicators.get(code, ("", ""))[1]


def _target_value(rows: _Rows, row: dict[str, str], rule: str) -> Decimal | None:
    value = rows.vn_number(row, "target")
    if value is None and not row["target"]:
        rows.error("target", _("không được để trống"))
    elif value is not None and value < 0:
        rows.error("target", _("kế hoạch không được âm"))
    elif value is not None and value > 100 and rule in PERCENT_RULES:
        rows.error("target", _("chỉ tiêu tỷ lệ: kế hoạch phải từ 0 đến 100 (%)"))
    return value


def _read_targets(
    path: Path, catalog: Catalog, problems: list[Problem], programs: set[str]
) -> list[TargetRow]:
    """`programs`: every program code known, so that a bad program row does not cascade."""
    rows = _Rows(path, TARGET_COLUMNS, problems)
    phases = {p.code: (p.start_year, p.end_year) for p in Program.objects.all()}
    phases.update({p.code: (p.start_year, p.end_year) for p in catalog.programs})
    indicators = {i.code: (i.program.code, i.rule) for i in Indicator.objects.select_related()}
    indicators.update({i.code: (i.program, i.rule) for i in catalog.indicators})
    result: list[TargetRow] = []
    seen: dict[tuple[int, str, datetime.date], int] = {}
    for row in rows:
        rule = _target_indicator(rows, row, indicators, programs | set(phases))
        period_end = _target_period_end(rows, row, phases.get(row["program"]))
        unit = _target_unit(rows, row, period_end)
        value = _target_value(rows, row, rule)
        if not (unit and period_end and rule and value is not None):
            continue
        key = (unit.pk, row["indicator"], period_end)
        if key in seen:
            rows.error("indicator", _("trùng với dòng %(line)s") % {"line": seen[key]})
        seen[key] = rows.line
        result.append(TargetRow(unit, row["indicator"], period_end, value, row["source"][:300]))
    return result


def read_targets(path: Path) -> list[TargetRow]:
    """Checked rows of a targets file in the catalogue's shape, for indicators already loaded;
    CatalogError listing every problem otherwise."""
    problems: list[Problem] = []
    rows = _read_targets(path, Catalog(), problems, set())
    if problems:
        raise CatalogError(problems)
    return rows


def read_catalog(directory: Path) -> Catalog:
    problems: list[Problem] = []
    catalog = Catalog()
    for name in ("programs.csv", "indicators.csv"):
        if not (directory / name).is_file():
            problems.append(Problem(name, 0, "", _("không tìm thấy tệp trong thư mục")))
    if problems:
        raise CatalogError(problems)
    catalog.programs, codes_in_file = _read_programs(directory / "programs.csv", problems)
    program_codes = codes_in_file | set(Program.objects.values_list("code", flat=True))
    catalog.indicators = _read_indicators(directory / "indicators.csv", program_codes, problems)
    if (directory / "targets.csv").is_file():
        catalog.targets = _read_targets(directory / "targets.csv", catalog, problems, program_codes)
    if problems:
        raise CatalogError(problems)
    return catalog
