"""The reader of the customary wide report form ("biểu tổng hợp") of legacy Excel files.

The family (see ../shared/legacy/README.md): a title block (the union, maybe a reference line,
the report's name, the period), then a two-row header wherever the title ends: "STT" and
"Đơn vị" merged down both rows, each indicator's name merged across its sub-columns "Kế hoạch",
"Thực hiện", "Tỷ lệ %" (any of them may be missing), then one row per unit and a total row.

`read_wide` turns such a file into an `imports.parsed.ParsedFile` without writing anything:
- "Thực hiện" -> a ResultCell on the period's last month covering the period's months;
  "Kế hoạch" -> a TargetCell ending on the period's last day;
- "Tỷ lệ %" is checked against Thực hiện / Kế hoạch (a warning when it disagrees beyond its own
  rounding), never imported;
- the total row ("Tổng cộng", "Cộng", "Tổng số", "Tổng") is checked against the sum of the rows:
  a mismatch is a warning, because the portal never imports a total (it computes its own from
  the rows), so a wrong total in the file cannot put a wrong figure in the database; the
  preview shows it so the admin can check the rows;
- a rate indicator (Indicator.rule == "rate") is stored as numerator and denominator, which one
  typed percentage cannot give back: its "Thực hiện" is an error (its "Kế hoạch", a target
  percentage, is imported); a file may instead give it "Tử số" and "Mẫu số" sub-columns;
- an indicator the portal computes (coverage, or derived from activity records) is skipped with
  a warning: nothing typed for it would be used.
Every text cell is converted from the TCVN3/VNI fonts first (imports.readers.legacy_fonts).
"""

from __future__ import annotations

import datetime
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from os import PathLike
from typing import IO

import openpyxl
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from common.numbers import NumberError, format_number, parse_number
from imports.parsed import ParsedFile, Period, Problem, ResultCell, TargetCell
from imports.readers.matching import IndicatorMatcher, UnitMatcher
from imports.readers.periods import fold, last_day, parse_label, parse_title
from imports.readers.sheet import Header, Sheet, sub_kind
from indicators.figures.rules import rule_for
from indicators.models import Indicator
from members.models import Level, Unit
from programs.models import Program

TOTAL_NAMES = {"TONG CONG", "CONG", "TONG SO", "TONG", "CONG TOAN TINH", "TOAN TINH"}
SKIPPED_HEADERS = {"STT", "TT", "GHI CHU"}
# Result and Target store 14 digits, 2 of them after the decimal mark.
MAX_NUMBER = Decimal(10) ** 12


@dataclass
class Column:
    """One sub-column of an indicator."""

    index: int
    kind: str  # "plan", "actual", "ratio", "numerator", "denominator"

    @property
    def letter(self) -> str:
        return get_column_letter(self.index)


@dataclass
class IndicatorColumns:
    """An indicator's header (a merged name) and its sub-columns."""

    name: str
    first: int
    columns: list[Column] = field(default_factory=list)
    indicator: Indicator | None = None

    def of(self, kind: str) -> Column | None:
        return next((col for col in self.columns if col.kind == kind), None)

    @property
    def letter(self) -> str:
        return get_column_letter(self.first)


@dataclass
class Context:
    """What the reader knows while it reads the rows."""

    sheet: Sheet
    header: Header
    parsed: ParsedFile
    period: Period
    groups: list[IndicatorColumns]


def read_wide(
    source: str | PathLike[str] | IO[bytes],
    *,
    unit: Unit | None = None,
    program: str | None = None,
    period: Period | str | None = None,
) -> ParsedFile:
    """Read a wide-form workbook. `unit`, `program` (a code) and `period` (a Period or a label
    "2025", "2025-06", "2025-Q2", "2025-H1") win over what the title says; a disagreement is a
    warning. Reads the database (units, indicators, programs: a few queries), never writes."""
    parsed = ParsedFile(shape="wide")
    opened = _open(source, parsed)
    if opened is None:
        return parsed
    sheet, header = opened
    titles = _title_lines(sheet, header)
    the_period = _decide_period(titles, period, parsed)
    the_unit = _decide_unit(titles, unit, the_period, parsed)
    groups = _indicator_columns(sheet, header, parsed)
    _match_indicators(groups, titles, program, header, parsed)
    if the_period is None or the_unit is None or not groups:
        return parsed
    context = Context(sheet, header, parsed, the_period, groups)
    _read_rows(context, UnitMatcher.load(the_unit, day=last_day(the_period)))
    return parsed


# --- the workbook and its title ---------------------------------------------------------------


def _open(
    source: str | PathLike[str] | IO[bytes], parsed: ParsedFile
) -> tuple[Sheet, Header] | None:
    """The first sheet with a table, and its header; None (and an error) when there is none or
    the file is no workbook (an old .xls, a password-protected or a corrupt file)."""
    try:
        workbook = openpyxl.load_workbook(source, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        parsed.errors.append(
            Problem(None, "", _("Không đọc được file Excel (.xlsx): %(error)s") % {"error": error})
        )
        return None
    for worksheet in workbook.worksheets:
        if not isinstance(worksheet, Worksheet):  # a chart sheet
            continue
        sheet = Sheet(worksheet)
        header = sheet.find_header()
        if header is not None:
            return sheet, header
    parsed.errors.append(
        Problem(
            None,
            "",
            _(
                "Không tìm thấy bảng số liệu: cần một dòng tiêu đề có cột «Đơn vị» và dòng "
                "dưới có «Kế hoạch»/«Thực hiện»."
            ),
        )
    )
    return None


def _title_lines(sheet: Sheet, header: Header) -> list[tuple[int, str]]:
    """(row, line) of every text line above the header, each cell and each line on its own."""
    lines: list[tuple[int, str]] = []
    for row in range(1, header.row):
        seen: set[str] = set()
        for col in range(1, sheet.max_column + 1):
            span = sheet.span(row, col)
            if span in seen:
                continue
            seen.add(span)
            lines += [(row, line.strip()) for line in sheet.text(row, col).splitlines()]
    return [(row, line) for row, line in lines if line]


def _decide_period(
    titles: list[tuple[int, str]], given: Period | str | None, parsed: ParsedFile
) -> Period | None:
    from_title = next(((row, found) for row, line in titles if (found := parse_title(line))), None)
    chosen = parse_label(given) if isinstance(given, str) else given
    if isinstance(given, str) and chosen is None:
        parsed.errors.append(
            Problem(
                None,
                "",
                _("Kỳ «%(label)s» không hợp lệ (dạng 2025, 2025-06, 2025-Q2, 2025-H1).")
                % {"label": given},
            )
        )
        return None
    if chosen is not None and from_title is not None and from_title[1] != chosen:
        parsed.warnings.append(
            Problem(
                from_title[0],
                "",
                _("Tiêu đề ghi kỳ %(title)s, khác kỳ đã chọn %(given)s: dùng kỳ đã chọn.")
                % {"title": from_title[1].label, "given": chosen.label},
            )
        )
    chosen = chosen or (from_title[1] if from_title else None)
    if chosen is None:
        parsed.errors.append(
            Problem(
                None,
                "",
                _("Không xác định được kỳ báo cáo từ tiêu đề: hãy chọn kỳ (2025, 2025-06, ...)."),
            )
        )
    parsed.period = chosen
    return chosen


_UNION = re.compile(r"\bHOI (?:LHPN|LIEN HIEP PHU NU)\b\s*(?:VIET NAM\s*)?(.+)$")
_UNIT_PREFIX = re.compile(r"^(?:TINH|THANH PHO|TP\.?|HUYEN|QUAN|THI XA|TX\.?)\s+")


def _unit_from_titles(titles: list[tuple[int, str]], day: datetime.date) -> tuple[int, Unit] | None:
    """The province (or pre-2025 district) a line "HỘI LHPN TỈNH CAO BẰNG" names."""
    named = [
        (row, match[1].strip()) for row, line in titles if (match := _UNION.search(fold(line)))
    ]
    if not named:
        return None
    for level in (Level.PROVINCE, Level.DISTRICT):
        candidates = list(Unit.objects.at_level(level).valid_on(day))
        for row, name in named:
            found = _unit_named(name, candidates)
            if found is not None:
                return row, found
    return None


def _unit_named(name: str, candidates: list[Unit]) -> Unit | None:
    exact = [unit for unit in candidates if fold(unit.name) == name]
    bare_name = _UNIT_PREFIX.sub("", name)
    bare = [unit for unit in candidates if _UNIT_PREFIX.sub("", fold(unit.name)) == bare_name]
    found = exact or bare
    return found[0] if len(found) == 1 else None


def _decide_unit(
    titles: list[tuple[int, str]], given: Unit | None, period: Period | None, parsed: ParsedFile
) -> Unit | None:
    day = last_day(period) if period else timezone.localdate()
    from_title = _unit_from_titles(titles, day)
    if given is not None and from_title is not None and from_title[1] != given:
        parsed.warnings.append(
            Problem(
                from_title[0],
                "",
                _(
                    "Tiêu đề ghi đơn vị %(title)s, khác đơn vị đã chọn %(given)s: "
                    "dùng đơn vị đã chọn."
                )
                % {"title": from_title[1].name, "given": given.name},
            )
        )
    chosen = given or (from_title[1] if from_title else None)
    if chosen is None:
        parsed.errors.append(
            Problem(
                None,
                "",
                _(
                    "Không xác định được đơn vị của file từ tiêu đề (dòng «HỘI LHPN TỈNH ...»): "
                    "hãy chọn đơn vị."
                ),
            )
        )
    parsed.unit_id = chosen.pk if chosen else None
    return chosen


# --- the header -------------------------------------------------------------------------------


def _indicator_columns(sheet: Sheet, header: Header, parsed: ParsedFile) -> list[IndicatorColumns]:
    """The indicators' headers right of the unit column, each with its sub-columns."""
    groups: dict[str, IndicatorColumns] = {}
    for col in range(header.unit_column + 1, sheet.max_column + 1):
        name = sheet.text(header.row, col)
        if not name or col == header.code_column or fold(name) in SKIPPED_HEADERS:
            continue
        span = sheet.span(header.row, col)
        group = groups.setdefault(span, IndicatorColumns(name=name, first=col))
        kind = sub_kind(sheet.text(header.row + 1, col))
        if not kind and sheet.span(header.row + 1, col) == span:
            kind = "actual"  # a name merged down both rows: the column holds what was done
        if kind:
            group.columns.append(Column(col, kind))
        else:
            parsed.warnings.append(
                Problem(
                    header.row + 1,
                    get_column_letter(col),
                    _("Cột «%(text)s» không phải Kế hoạch, Thực hiện hay Tỷ lệ %%: bỏ qua.")
                    % {"text": sheet.text(header.row + 1, col)},
                )
            )
    return [group for group in groups.values() if group.columns]


def _program_from_titles(titles: list[tuple[int, str]], programs: list[Program]) -> str:
    """The program a title names by the short name before its colon ("Đề án 939")."""
    text = " ".join(fold(line) for _row, line in titles)
    for program in programs:
        short = fold(program.name_vi.split(":")[0])
        if re.search(rf"\b{re.escape(short)}\b", text):
            return program.code
    return ""


def _match_indicators(
    groups: list[IndicatorColumns],
    titles: list[tuple[int, str]],
    program: str | None,
    header: Header,
    parsed: ParsedFile,
) -> None:
    """Each header to one indicator of the file's program; the program from the title or from
    the indicators when not given."""
    matcher = IndicatorMatcher.load()
    programs = list(Program.objects.order_by("code"))
    if program and program not in {known.code for known in programs}:
        parsed.errors.append(
            Problem(None, "", _("Không có chương trình mã «%(code)s».") % {"code": program})
        )
        return
    from_title = _program_from_titles(titles, programs)
    if program and from_title and from_title != program:
        parsed.warnings.append(
            Problem(
                None,
                "",
                _("Tiêu đề ghi chương trình %(title)s, khác chương trình đã chọn %(given)s.")
                % {"title": from_title, "given": program},
            )
        )
    code = program or from_title or _program_of_names(groups, matcher)
    parsed.program_code = code
    for group in groups:
        match = matcher.match(group.name, program_code=code)
        group.indicator = match.found
        if match.found is None:
            parsed.errors.append(
                Problem(
                    header.row, group.letter, _("Chỉ tiêu: %(reason)s") % {"reason": match.problem}
                )
            )
        else:
            _check_indicator_kind(group, header, parsed)


def _program_of_names(groups: list[IndicatorColumns], matcher: IndicatorMatcher) -> str:
    """The one program every recognised header has an indicator in, or ""."""
    common: set[str] | None = None
    for group in groups:
        programs = {ind.program.code for ind in matcher.candidates(group.name)}
        if programs:
            common = programs if common is None else common & programs
    return next(iter(common)) if common and len(common) == 1 else ""


def _check_indicator_kind(group: IndicatorColumns, header: Header, parsed: ParsedFile) -> None:
    indicator = group.indicator
    assert indicator is not None
    # An indicator derived from activities is still loaded: the years before the portal have
    # no activity records, and the typed figure is all there is (activities recorded for a
    # month later replace it). A coverage is never typed: it is computed from its source.
    rule = rule_for(indicator)
    if not rule.entered:
        parsed.warnings.append(
            Problem(
                header.row,
                group.letter,
                _("Chỉ tiêu %(code)s do hệ thống tự tính: bỏ qua các cột của chỉ tiêu này.")
                % {"code": indicator.code},
            )
        )
        group.columns = []
    elif rule.stores_fraction and (actual := group.of("actual")):
        parsed.errors.append(
            Problem(
                header.row,
                actual.letter,
                _(
                    "Chỉ tiêu %(code)s là tỷ lệ, cần tử số và mẫu số: một con số «Thực hiện» "
                    "không nhập được (dùng cột «Tử số», «Mẫu số» hoặc file dạng dọc)."
                )
                % {"code": indicator.code},
            )
        )


# --- the rows ---------------------------------------------------------------------------------


@dataclass
class RowValues:
    """The numbers of one row, by column index (blank cells absent)."""

    row: int
    numbers: dict[int, Decimal] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)  # what was typed, for messages


def _read_rows(context: Context, units: UnitMatcher) -> None:
    sheet, header, parsed = context.sheet, context.header, context.parsed
    sums: dict[int, Decimal] = defaultdict(Decimal)
    seen: dict[int, int] = {}  # unit id -> the row it was on
    totals: list[RowValues] = []  # checked once every unit row is summed (it may come first)
    for row in _table_rows(sheet, header):
        values = _row_values(context, row)
        if _is_total(sheet, header, row):
            totals.append(values)
            continue
        parsed.rows += 1
        name = sheet.text(row, header.unit_column)
        code = sheet.text(row, header.code_column) if header.code_column else ""
        match = units.match(name, code)
        if match.found is None:
            _unknown_unit(context, row, name, match.problem, values)
            continue
        if match.found.pk in seen:
            parsed.errors.append(
                Problem(
                    row,
                    get_column_letter(header.unit_column),
                    _("Đơn vị %(unit)s đã có ở dòng %(other)s.")
                    % {"unit": match.found.name, "other": seen[match.found.pk]},
                )
            )
            continue
        seen[match.found.pk] = row
        for col, number in values.numbers.items():
            sums[col] += number
        _check_ratios(context, values)
        _cells(context, match.found, values)
    for values in totals:
        _check_ratios(context, values)
        _check_totals(context, values, sums)


def _table_rows(sheet: Sheet, header: Header) -> Iterator[int]:
    """The rows under the header, to the first blank row after the data (a signature block
    often follows) or right after a total row that ends the table."""
    started = False
    for row in range(header.row + 2, sheet.max_row + 1):
        if sheet.is_blank_row(row):
            if started:
                return
            continue
        yield row
        is_total = _is_total(sheet, header, row)
        if is_total and started:
            return
        started = started or not is_total


def _is_total(sheet: Sheet, header: Header, row: int) -> bool:
    names = {fold(sheet.text(row, col)).rstrip(":") for col in range(1, header.unit_column + 1)}
    return bool(names & TOTAL_NAMES)


def _row_values(context: Context, row: int) -> RowValues:
    """The row's numbers; a cell that is not a number is an error (a warning in a Tỷ lệ
    column, which is never imported)."""
    values = RowValues(row)
    for group in context.groups:
        for column in group.columns:
            raw = context.sheet.own_value(row, column.index)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            values.texts[column.index] = str(raw).strip()
            try:
                values.numbers[column.index] = _number(context.sheet, row, column.index, raw)
            except NumberError as error:
                problems = (
                    context.parsed.warnings if column.kind == "ratio" else context.parsed.errors
                )
                problems.append(Problem(row, column.letter, _describe(group, column, str(error))))
    return values


def _number(sheet: Sheet, row: int, col: int, raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise NumberError(_("«%(text)s» không phải là số") % {"text": raw})
    if isinstance(raw, str):
        number = parse_number(raw)
        assert number is not None  # blanks were skipped
        return number
    number = Decimal(str(raw))
    # A percentage cell holds 0.6 and shows 60%: the portal keeps percentages as 60.
    return number * 100 if "%" in sheet.cell(row, col).number_format else number


def _describe(group: IndicatorColumns, column: Column, message: str) -> str:
    kind = {
        "plan": _("Kế hoạch"),
        "actual": _("Thực hiện"),
        "ratio": _("Tỷ lệ %"),
        "numerator": _("Tử số"),
        "denominator": _("Mẫu số"),
    }[column.kind]
    what = group.indicator.code if group.indicator else group.name
    return _("%(indicator)s, %(kind)s: %(message)s") % {
        "indicator": what,
        "kind": kind,
        "message": message,
    }


def _unknown_unit(context: Context, row: int, name: str, reason: str, values: RowValues) -> None:
    letter = get_column_letter(context.header.unit_column)
    if values.numbers or values.texts:
        context.parsed.errors.append(
            Problem(row, letter, _("Đơn vị: %(reason)s") % {"reason": reason})
        )
    else:  # a heading inside the table ("I. Khối phường") or a unit with nothing reported
        context.parsed.warnings.append(
            Problem(
                row,
                letter,
                _("Dòng «%(name)s» không có số liệu và không khớp đơn vị nào: bỏ qua.")
                % {"name": name},
            )
        )


def _cells(context: Context, unit: Unit, values: RowValues) -> None:
    """The row's results and targets, each number checked for what the database can hold."""
    period, parsed = context.period, context.parsed
    for group in context.groups:
        indicator = group.indicator
        if indicator is None:
            continue
        numbers = {
            column.kind: (column, values.numbers[column.index])
            for column in group.columns
            if column.index in values.numbers and _storable(context, group, column, values)
        }
        if "plan" in numbers:
            column, number = numbers["plan"]
            parsed.targets.append(
                TargetCell(
                    values.row, column.letter, unit.pk, indicator.pk, last_day(period), number
                )
            )
        if "actual" in numbers and not rule_for(indicator).stores_fraction:
            column, number = numbers["actual"]
            parsed.results.append(
                ResultCell(
                    values.row,
                    column.letter,
                    unit.pk,
                    indicator.pk,
                    period.last_month,
                    period.months,
                    value=number,
                )
            )
        _fraction(context, group, unit, values, numbers)


def _fraction(
    context: Context,
    group: IndicatorColumns,
    unit: Unit,
    values: RowValues,
    numbers: dict[str, tuple[Column, Decimal]],
) -> None:
    """A rate given as "Tử số" and "Mẫu số": both or neither."""
    assert group.indicator is not None
    numerator, denominator = numbers.get("numerator"), numbers.get("denominator")
    if numerator is None and denominator is None:
        return
    if numerator is None or denominator is None:
        missing = group.of("numerator" if numerator is None else "denominator")
        context.parsed.errors.append(
            Problem(
                values.row,
                missing.letter if missing else group.letter,
                _describe(group, missing or group.columns[0], _("cần cả tử số và mẫu số")),
            )
        )
        return
    context.parsed.results.append(
        ResultCell(
            values.row,
            numerator[0].letter,
            unit.pk,
            group.indicator.pk,
            context.period.last_month,
            context.period.months,
            numerator=numerator[1],
            denominator=denominator[1],
        )
    )


def _storable(context: Context, group: IndicatorColumns, column: Column, values: RowValues) -> bool:
    number = values.numbers[column.index]
    if column.kind == "ratio":
        return False
    if number < 0 or abs(number) >= MAX_NUMBER:
        message = _("số âm") if number < 0 else _("số quá lớn")
        context.parsed.errors.append(
            Problem(
                values.row,
                column.letter,
                _describe(group, column, f"«{values.texts[column.index]}»: {message}"),
            )
        )
        return False
    return True


# --- checks: Tỷ lệ % and the total row ------------------------------------------------------


def _tolerance(number: Decimal) -> Decimal:
    """Half a unit of the last place typed ("60,0" -> 0.05), at least 0.01."""
    exponent = number.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return max(Decimal(5) / Decimal(10) ** (places + 1), Decimal("0.01"))


def _check_ratios(context: Context, values: RowValues) -> None:
    for group in context.groups:
        plan, actual, ratio = group.of("plan"), group.of("actual"), group.of("ratio")
        if plan is None or actual is None or ratio is None:
            continue
        typed = values.numbers.get(ratio.index)
        planned, done = values.numbers.get(plan.index), values.numbers.get(actual.index)
        if typed is None or planned is None or done is None or planned == 0:
            continue
        computed = done / planned * 100
        if abs(computed - typed) > _tolerance(values.numbers[ratio.index]):
            context.parsed.warnings.append(
                Problem(
                    values.row,
                    ratio.letter,
                    _describe(
                        group,
                        ratio,
                        _(
                            "ghi «%(typed)s», nhưng Thực hiện / Kế hoạch = "
                            "%(done)s / %(plan)s = %(computed)s%%"
                        )
                        % {
                            "typed": values.texts[ratio.index],
                            "done": format_number(done, 2),
                            "plan": format_number(planned, 2),
                            "computed": format_number(computed, 1),
                        },
                    ),
                )
            )


def _check_totals(context: Context, values: RowValues, sums: dict[int, Decimal]) -> None:
    """The total row against the sum of the unit rows (a percentage does not add up: skipped)."""
    for group in context.groups:
        if group.indicator is None or rule_for(group.indicator).stores_fraction:
            summable = [col for col in group.columns if col.kind in ("numerator", "denominator")]
        else:
            summable = [col for col in group.columns if col.kind in ("plan", "actual")]
        for column in summable:
            total = values.numbers.get(column.index)
            if total is None or total == sums[column.index]:
                continue
            context.parsed.warnings.append(
                Problem(
                    values.row,
                    column.letter,
                    _describe(
                        group,
                        column,
                        _("dòng tổng ghi %(total)s, cộng các đơn vị được %(sum)s")
                        % {
                            "total": format_number(total, 2),
                            "sum": format_number(sums[column.index], 2),
                        },
                    ),
                )
            )
