"""The month's entry sheet of a commune for a program: what the form shows and reads back."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext as _

from common.numbers import NumberError, format_number, parse_number
from common.periods import add_months
from indicators.catalogue import kept
from indicators.catalogue.derived import parse_spec
from indicators.cycle.entry import Entry, Problem, peak_window
from indicators.cycle.register import register_figures
from indicators.figures import engine
from indicators.figures.rules import rule_for
from indicators.figures.table import current_reads, shared_reads, targets_of_many
from indicators.models import CollectionLevel, EntryDraft, Indicator, Result
from members import lifespan
from members.models import Level, Unit
from programs.models import Program

FIELDS = ("value", "numerator", "denominator")


class Saved(NamedTuple):
    """What the form reads of a saved result: its figure's parts (a plain row, not a model:
    the form reads a few hundred of them on every load)."""

    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None


@dataclass
class Cell:
    unit: Unit
    indicator: Indicator
    saved: Saved | None = None
    last_month: Saved | Added | None = None
    year_to_date: Decimal | None = None
    peak: Decimal | None = None
    target: Decimal | None = None
    typed: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # What the member register gives for this cell: (part, value), see indicators.cycle.register.
    register: tuple[str, Decimal] | None = None
    # The same month a year before (a commune's cells; its predecessors' before it existed).
    last_year: Saved | Added | None = None

    def name(self, part: str) -> str:
        return f"{part}-{self.unit.pk}-{self.indicator.pk}"

    @property
    def is_rate(self) -> bool:
        return rule_for(self.indicator).stores_fraction

    def shown(self, part: str) -> str:
        """What the input shows: what was typed (a draft, a refused save) or the saved figure."""
        if part in self.typed:
            return self.typed[part]
        # Offered, saved only with the form. A rate's numerator alone is not filled in: a
        # numerator without its denominator would block the month's save.
        if part == "value" and self.saved is None and self.register is not None:
            return format_number(self.register[1])
        return format_number(getattr(self.saved, part, None), 2) if self.saved else ""

    @property
    def source(self) -> str:
        """Which source the cell's figure comes from, when the register offers one."""
        if self.register is None:
            return ""
        part, value = self.register
        shown = format_number(value)
        if self.saved is None and part == "value":
            return _("Điền sẵn từ sổ hội viên: %(n)s") % {"n": shown}
        if self.saved is None:
            return _("Sổ hội viên: %(n)s hội viên (tử số)") % {"n": shown}
        if getattr(self.saved, part, None) == value:
            return _("Nguồn: sổ hội viên")
        return _("Nguồn: nhập tay (sổ hội viên: %(n)s)") % {"n": shown}

    @property
    def activity_type(self) -> str:
        """For a figure derived from activities of one type, that type (the list's filter)."""
        if not self.indicator.derived_from:
            return ""
        types = parse_spec(self.indicator.derived_from).types
        return types[0] if len(types) == 1 else ""

    @property
    def last_month_text(self) -> str:
        return _result_text(self.last_month)

    @property
    def last_year_text(self) -> str:
        return _result_text(self.last_year)

    @property
    def inputs(self) -> list[tuple[str, str, str, list[Problem]]]:
        """(part, input name, shown text, problems) for each input of the cell."""
        parts = ("numerator", "denominator") if self.is_rate else ("value",)
        return [
            (p, self.name(p), self.shown(p), [x for x in self.problems if x.field == p])
            for p in parts
        ]


def _result_text(result: Saved | Added | None) -> str:
    if result is None:
        return ""
    if result.numerator is not None and result.denominator:
        percent = Decimal(100) * result.numerator / result.denominator
        fraction = f"{format_number(result.numerator)}/{format_number(result.denominator)}"
        return f"{fraction} ({format_number(percent, 1)}%)"
    return format_number(result.value, 2)


@dataclass
class Sheet:
    unit: Unit
    program: Program
    month: datetime.date
    commune_cells: list[Cell]
    branch_indicators: list[tuple[Indicator, Decimal | None]]
    branches: list[Unit]
    branch_rows: list[tuple[Unit, list[Cell]]]
    draft: EntryDraft | None = None
    detailed: bool = True
    # Every child of the unit, any day's (`branches`: the branches of the month among them).
    children: list[Unit] = field(default_factory=list)
    # Figures computed from activity records: shown, never asked for (not in `cells`).
    derived_cells: list[Cell] = field(default_factory=list)

    @property
    def cells(self) -> list[Cell]:
        return self.commune_cells + [c for _unit, row in self.branch_rows for c in row]

    def entries(self) -> list[Entry]:
        return [self.entry_of(cell) for cell in self.cells]

    def entry_of(self, cell: Cell) -> Entry:
        entry = Entry(cell.unit, cell.indicator, self.month)
        for part in FIELDS:
            setattr(entry, part, getattr(cell.saved, part, None) if cell.saved else None)
        return entry


def entered_indicators(
    program: Program, catalogue: kept.Catalogue | None = None
) -> list[Indicator]:
    """The program's indicators a commune form asks for (coverage is computed from its source
    and derived indicators from activities: neither is asked)."""
    return _entered_and_derived(program, catalogue)[0]


def _entered_and_derived(
    program: Program, catalogue: kept.Catalogue | None = None
) -> tuple[list[Indicator], list[Indicator]]:
    """entered_indicators and the program's indicators of the form computed from activity
    records, from the catalogue kept in the process (indicators.catalogue.kept)."""
    both = (catalogue or kept.catalogue()).form_indicators(program)
    return [i for i in both if not i.derived_from], [i for i in both if i.derived_from]


Cells = dict[tuple[int, int], Saved]  # (unit id, indicator id) -> its result of a month
# What the form reads of each result: whose, which month, its figure and the months it covers.
_ROW = ("unit_id", "indicator_id", "month", "value", "numerator", "denominator", "covers_months")


def _results_by_cell(units: list[Unit], indicators: list[Indicator], month: datetime.date) -> Cells:
    rows = _result_rows(units, indicators, month, month)
    return {(unit, ind): Saved(v, n, d) for unit, ind, _m, v, n, d, _c in rows}


def _result_rows(
    units: list[Unit], indicators: list[Indicator], first: datetime.date, last: datetime.date
) -> list[tuple]:
    """The units' results of the indicators from month `first` to `last`, as plain rows."""
    return list(
        Result.objects.filter(
            unit__in=[u.pk for u in units],
            indicator__in=[i.pk for i in indicators],
            month__gte=first,
            month__lte=last,
        ).values_list(*_ROW)
    )


def _by_month(rows: list[tuple], months: list[datetime.date]) -> dict[datetime.date, Cells]:
    """month -> (unit id, indicator id) -> result, for the `months` among the rows."""
    found: dict[datetime.date, Cells] = {month: {} for month in months}
    for unit, ind, month, v, n, d, _covers in rows:
        if month in found:
            found[month][(unit, ind)] = Saved(v, n, d)
    return found


def _peaks(
    rows: list[tuple], indicators: list[Indicator], month: datetime.date
) -> dict[tuple[int, int], Decimal]:
    """indicators.cycle.entry.history_peaks of a month's figures (`covers` 1), from rows that
    hold its window (peak_window): each unit's highest monthly value of each indicator where
    it has enough such months."""
    (first, enough), wanted = peak_window(month), {i.pk for i in indicators}
    values: dict[tuple[int, int], list[Decimal]] = {}
    for unit, ind, m, value, _n, _d, covers in rows:
        if first <= m < month and value is not None and covers == 1 and ind in wanted:
            values.setdefault((unit, ind), []).append(value)
    return {key: max(found) for key, found in values.items() if len(found) >= enough}


@dataclass(frozen=True)
class Added:
    """Several units' results of one month as one: each part added, as a parent adds its
    children (what _result_text reads of a Result)."""

    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None


def _added(rows: list[Saved]) -> Added:
    def total(part: str) -> Decimal | None:
        amounts = [getattr(r, part) for r in rows if getattr(r, part) is not None]
        return sum(amounts, Decimal(0)) if amounts else None

    return Added(total("value"), total("numerator"), total("denominator"))


def lineage_results(
    unit: Unit, indicators: list[Indicator], month: datetime.date
) -> dict[int, Saved | Added]:
    """indicator id -> the unit's result of `month`; for a month before the unit existed (a
    new commune's June 2025), its lineage's results of that month added (members.lifespan),
    so "last month" and "same month last year" read what its predecessors recorded."""
    units = lifespan.units_for_month(unit, month)
    if not units:
        return {}
    rows = _results_by_cell(units, indicators, month)
    if units == [unit]:
        return {ind: row for (_unit, ind), row in rows.items()}
    grouped: dict[int, list[Saved]] = {}
    for (_unit, ind), row in rows.items():
        grouped.setdefault(ind, []).append(row)
    return {ind: _added(found) for ind, found in grouped.items()}


def _own_or_lineage(
    unit: Unit, indicators: list[Indicator], month: datetime.date, rows: Cells
) -> dict[int, Saved | Added]:
    """lineage_results, from `rows` ((unit id, indicator id) -> result of `month`, already
    read) while the unit existed in that month."""
    if not lifespan.existed_in(unit, month):
        return lineage_results(unit, indicators, month)
    return {i.pk: rows[(unit.pk, i.pk)] for i in indicators if (unit.pk, i.pk) in rows}


def build_sheet(
    unit: Unit, program: Program, month: datetime.date, catalogue: kept.Catalogue | None = None
) -> Sheet:
    """The month's form with everything it shows (a POST reads its cells alone: posted_sheet).
    The figures of its cells share their reads (the subtree's units and rows are read once,
    not once per indicator). `catalogue`: the kept catalogue the caller already holds (its
    version is then not read again)."""
    with shared_reads():
        return _build_sheet(unit, program, month, catalogue)


def _build_sheet(
    unit: Unit, program: Program, month: datetime.date, catalogue: kept.Catalogue | None
) -> Sheet:
    indicators, derived_all = _entered_and_derived(program, catalogue)
    derived = [i for i in derived_all if i.level == CollectionLevel.COMMUNE]
    commune_inds = [i for i in indicators if i.level == CollectionLevel.COMMUNE]
    branch_inds = [i for i in indicators if i.level == CollectionLevel.BRANCH]
    # All its children, any day's: the targets and the value history want them too.
    children, branches = _children_and_branches(unit, month)
    units = [unit, *branches]
    previous = add_months(month, -1)
    # The form shows last month and the same month a year before beside each field, and warns
    # of a figure far above the months before (history_peaks' window): those months in one
    # query, the derived figures' with them.
    year_before = add_months(month, -12)
    first = min(year_before, peak_window(month)[0])
    read = _result_rows(units, [*indicators, *derived], first, month)
    by_month = _by_month(read, [month, previous, year_before])
    saved = by_month[month]
    last: dict[tuple[int, int], Saved | Added] = dict(by_month[previous])
    if not lifespan.existed_in(unit, previous):  # else its own rows, read just above
        for ind_pk, row in lineage_results(unit, commune_inds, previous).items():
            last[(unit.pk, ind_pk)] = row
    last_year = _own_or_lineage(unit, commune_inds, year_before, by_month[year_before])
    peaks = _peaks(read, indicators, month)
    year_start = datetime.date(month.year, 1, 1)

    def cell(u: Unit, ind: Indicator, ytd: Decimal | None) -> Cell:
        key = (u.pk, ind.pk)
        return Cell(u, ind, saved.get(key), last.get(key), ytd, peaks.get(key))

    found = targets_of_many([*indicators, *derived], [unit], month, children=children)
    targets = {i.pk: found.get((i.pk, unit.pk), (None, None))[0] for i in [*indicators, *derived]}
    # The year to date of every field in one query per kind (engine.measure_from_start below).
    current_reads().prefetch_unit([*commune_inds, *derived], unit, year_start, month)
    commune_cells = [
        cell(unit, ind, engine.measure_from_start(ind, unit, year_start, month))
        for ind in commune_inds
    ]
    from_register = register_figures(unit, commune_inds, month)
    for c in commune_cells:
        c.target = targets[c.indicator.pk]
        c.last_year = last_year.get(c.indicator.pk)
        c.register = from_register.get(c.indicator.pk)
    ytd_by_branch = {ind.pk: _branch_values(ind, unit, year_start, month) for ind in branch_inds}
    branch_rows = [
        (b, [cell(b, ind, ytd_by_branch[ind.pk].get(b.pk)) for ind in branch_inds])
        for b in branches
    ]
    draft = EntryDraft.objects.filter(unit=unit, program=program, month=month).first()
    headers = [(ind, targets[ind.pk]) for ind in branch_inds]
    sheet = Sheet(
        unit, program, month, commune_cells, headers, branches, branch_rows, draft, True, children
    )
    sheet.derived_cells = [
        cell(unit, ind, engine.measure_from_start(ind, unit, year_start, month)) for ind in derived
    ]
    for c in sheet.derived_cells:
        c.target = targets[c.indicator.pk]
    return sheet


def _branch_values(
    indicator: Indicator, unit: Unit, start: datetime.date, end: datetime.date
) -> dict[int, Decimal]:
    """engine.values_by_unit of a branch indicator under the commune, from the shared reads:
    their list of the subtree's units is kept with the commune's lineage (members.lineage),
    so the branches are not read again for each indicator and each load."""
    rows = current_reads().rows(indicator, unit, start, end)
    return rule_for(indicator).values_of_rows(rows)


def with_details(sheet: Sheet) -> Sheet:
    """The sheet with everything the form shows, keeping what was typed and its problems."""
    if sheet.detailed:
        return sheet
    full = build_sheet(sheet.unit, sheet.program, sheet.month)
    light = {(c.unit.pk, c.indicator.pk): c for c in sheet.cells}
    for cell in full.cells:
        typed = light[(cell.unit.pk, cell.indicator.pk)]
        cell.typed, cell.problems = typed.typed, typed.problems
    return full


def read_typed(sheet: Sheet, data: QueryDict | dict[str, str]) -> tuple[list[Entry], list[Problem]]:
    """Turns the posted form into entries; text that is not a number is a problem of its cell."""
    entries, problems = [], []
    for cell in sheet.cells:
        entry = Entry(cell.unit, cell.indicator, sheet.month)
        for part, name, _shown, _problems in cell.inputs:
            text = str(data.get(name, ""))
            cell.typed[part] = text
            try:
                setattr(entry, part, parse_number(text))
            except NumberError as exc:
                problems.append(Problem(entry, part, str(exc)))
        entries.append(entry)
    return entries, problems


def attach_problems(sheet: Sheet, problems: list[Problem]) -> None:
    cells = {(c.unit.pk, c.indicator.pk): c for c in sheet.cells}
    for problem in problems:
        cells[(problem.entry.unit.pk, problem.entry.indicator.pk)].problems.append(problem)


def show_draft(sheet: Sheet) -> bool:
    """Fills the inputs from the autosaved draft if it is newer than every saved figure."""
    draft = sheet.draft
    if draft is None:
        return False
    newer = Result.objects.filter(
        Q(unit=sheet.unit) | Q(unit__in=sheet.branches),
        month=sheet.month,
        indicator__program=sheet.program,
        updated_at__gt=draft.saved_at,
    ).exists()
    if newer:
        return False
    for cell in sheet.cells:
        for part, name, _shown, _problems in cell.inputs:
            if name in draft.data:
                cell.typed[part] = str(draft.data[name])
    return True


def problem_label(problem: Problem) -> str:
    who = "" if problem.entry.unit.level == Level.COMMUNE else f"{problem.entry.unit.name}, "
    part = {
        "numerator": _("tử số"),
        "denominator": _("mẫu số"),
        "value": "",
    }[problem.field]
    suffix = f" ({part})" if part else ""
    return f"{who}{problem.entry.indicator.code}{suffix}: {problem.message}"


def posted_sheet(
    unit: Unit, program: Program, month: datetime.date, catalogue: kept.Catalogue | None = None
) -> Sheet:
    """The month's form as a POST reads it back: its cells (the entered indicators, of the
    commune and of each branch of the month), without their saved figures, which a save
    reads itself (locked, in its transaction) and a form shown again reads with every detail
    (`with_details`)."""
    indicators = entered_indicators(program, catalogue)  # kept in the process: not changed
    commune_inds = [i for i in indicators if i.level == CollectionLevel.COMMUNE]
    branch_inds = [i for i in indicators if i.level == CollectionLevel.BRANCH]
    children, branches = _children_and_branches(unit, month)
    commune_cells = [Cell(unit, ind) for ind in commune_inds]
    rows = [(b, [Cell(b, ind) for ind in branch_inds]) for b in branches]
    headers: list[tuple[Indicator, Decimal | None]] = [(ind, None) for ind in branch_inds]
    return Sheet(
        unit, program, month, commune_cells, headers, branches, rows, draft=None, detailed=False,
        children=children,
    )  # fmt: skip


def _children_and_branches(unit: Unit, month: datetime.date) -> tuple[list[Unit], list[Unit]]:
    """The commune's children (any day's) and its branches of the month, each branch's parent
    set to the commune (known: saves a query per branch wherever its commune is asked)."""
    children = list(Unit.objects.filter(parent=unit).order_by("code"))
    branches = [c for c in children if c.level == Level.BRANCH and c.is_valid_on(month)]
    for branch in branches:
        branch.parent = unit
    return children, branches
