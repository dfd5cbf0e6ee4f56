"""Reads: the jobs a user may see, and the content of a report as the engine computes it."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import User
from accounts.selectors import assignments_of
from common.periods import add_months, month_end, months_between
from indicators.figures.dashboard import columns_of, rest_of
from indicators.figures.engine import LEVEL_RANK, Figure, figures_of_unit
from indicators.figures.table import figures_of
from indicators.models import CollectionLevel, Indicator
from members.gazetteer import fold
from members.lineage import scope_day
from members.models import Level, Unit
from programs.models import Program
from reports.models import ReportJob

Progress = Callable[[int, int], None]

# The levels a report "with the levels below" can show on sheets of their own, with every
# indicator (below the commune, only the branch, with the indicators collected there).
DETAIL_LEVELS = (Level.DISTRICT, Level.COMMUNE)


def my_reports(user: User) -> QuerySet[ReportJob]:
    """The user's own requests, and the scheduled reports of the units they are assigned to;
    always within the units they may see."""
    assigned = [a.unit_id for a in assignments_of(user)]
    return (
        ReportJob.objects.filter(
            Q(requested_by=user) | Q(schedule__isnull=False, unit_id__in=assigned),
            unit__in=access.visible_units(user),
        )
        .select_related("program", "unit")
        .order_by("-created_at", "-pk")
    )


def report_job_or_404(user: User, pk: int) -> ReportJob:
    """A job of a unit the user may see (anyone's request: the files are the unit's figures);
    404 otherwise, as if it did not exist."""
    job = (
        ReportJob.objects.filter(pk=pk, unit__in=access.visible_units(user))
        .select_related("program", "unit")
        .first()
    )
    if job is None:
        raise Http404
    return job


def map_day(unit: Unit, end: datetime.date) -> datetime.date:
    """The day whose map a report over a range ending in month `end` shows (PRODUCT.md,
    "Figures across the 2025 reform"): the range's last day, or the unit's own last day if it
    ended before (an old district's report of 2025 shows its communes of June 2025)."""
    return scope_day(unit, month_end(end))


def children_on_last_day(unit: Unit, end: datetime.date) -> list[Unit]:
    """The report's rows: the unit's children in force on the map of the range's last day
    (`map_day`), in alphabetical order as Vietnamese readers expect it (diacritics folded).
    A range across the 2025 reform shows the new communes (their predecessors' figures are in
    theirs), never the old districts beside them; a range that ends before shows the old map."""
    children = Unit.objects.filter(parent=unit).valid_on(map_day(unit, end))
    return sorted(children, key=report_order(end))


def report_order(end: datetime.date) -> Callable[[Unit], tuple[bool, str, str, str]]:
    """The sort key of a report's rows: units in force at the range's end first, then
    alphabetical order as Vietnamese readers expect it (diacritics folded)."""
    last_day = month_end(end)
    return lambda u: (not u.is_valid_on(last_day), fold(u.name), u.name, u.code)


@dataclass
class Row:
    unit: Unit
    figures: list[Figure]


@dataclass
class LevelSheet:
    """Every unit of one level below the report's rows, with its figures (a sheet of the
    workbook "per level below"); each row's parent is `row.unit.parent`."""

    level: str
    indicators: list[Indicator]
    rows: list[Row]


@dataclass
class ReportContent:
    """Everything a report file shows, computed once and written as Excel and as PDF."""

    program: Program
    unit: Unit
    start: datetime.date
    end: datetime.date
    made_on: datetime.date
    indicators: list[Indicator]
    rows: list[Row]
    total: list[Figure]
    # "Không phân bổ được": what old units split among several rows recorded (a flow's rows
    # and this one add up to the total); None when nothing is left over (as on the dashboard).
    rest: list[Figure] | None = None
    months: list[datetime.date] = field(default_factory=list)
    # series[i][j]: the unit's figure for indicator j in months[i] alone (a cumulative
    # indicator: its running total at the end of that month).
    series: list[list[Figure]] = field(default_factory=list)
    # Asked for "levels below": one per level under the rows (Excel only).
    levels: list[LevelSheet] = field(default_factory=list)


def levels_below(
    unit: Unit, children: list[Unit], indicators: list[Indicator]
) -> list[tuple[str, list[Indicator]]]:
    """The sheets a report "with the levels below" adds, as (level, indicators shown).

    - Each level under the shallowest of the unit's children down to the commune, with every
      indicator: a province before 2025 (districts as rows) gets its communes; the country gets
      its districts and communes; a province after the reform, or over a range that ends after
      it (communes as rows), gets nothing more. Every sheet shows the map of the range's last
      day, as the rows do (`units_below`).
    - Then the branches, with only the indicators collected at the branch (no other indicator
      has a figure of its own for a branch), for a province or a district: for the country the
      sheet would hold some 100,000 branches, past what anyone reads in a sheet; a commune's
      branches are already its report's rows.
    A level with no unit in the range gives no sheet (report_content leaves it out)."""
    if not children:
        return []
    top = min(LEVEL_RANK[child.level] for child in children)
    sheets: list[tuple[str, list[Indicator]]] = [
        (level, indicators) for level in DETAIL_LEVELS if LEVEL_RANK[level] > top
    ]
    at_branch = [ind for ind in indicators if ind.level == CollectionLevel.BRANCH]
    if at_branch and unit.level in (Level.PROVINCE, Level.DISTRICT):
        sheets.append((Level.BRANCH, at_branch))
    return sheets


def units_below(unit: Unit, level: str, start: datetime.date, end: datetime.date) -> list[Unit]:
    """The unit's descendants at `level` in force on the map of the range's last day (as the
    rows: `map_day`), with their parents."""
    return list(
        Unit.objects.subtree(unit, include_self=False)
        .filter(level=level)
        .valid_on(map_day(unit, end))
        .select_related("parent")
    )


def in_parent_order(units: list[Unit], above: list[Unit], end: datetime.date) -> list[Unit]:
    """`units` grouped under their parents in the order the parents appear in `above` (the
    report's unit, its rows, the sheets before), each group in the order of report rows."""
    position = {parent.pk: i for i, parent in enumerate(above)}
    order = report_order(end)

    def key(unit: Unit) -> tuple[int, str, tuple[bool, str, str, str]]:
        parent = unit.parent
        assert parent is not None
        return (position.get(parent.pk, len(position)), fold(parent.name), order(unit))

    return sorted(units, key=key)


def figures_below(
    indicator: Indicator, units: list[Unit], start: datetime.date, end: datetime.date
) -> dict[int, Figure]:
    """Each unit's figure, as engine.figure() gives it: indicators.figures.table.figures_of counts
    the
    direct children of one parent, so it is asked once per parent (a district's communes, a
    commune's branches), a few queries each."""
    by_parent: dict[int, list[Unit]] = defaultdict(list)
    for unit in units:
        assert unit.parent_id is not None
        by_parent[unit.parent_id].append(unit)
    found: dict[int, Figure] = {}
    for siblings in by_parent.values():
        parent = siblings[0].parent
        assert parent is not None
        found.update(figures_of(indicator, parent, siblings, start, end))
    return found


def figure_rows(
    indicators: list[Indicator],
    parent: Unit | None,
    units: list[Unit],
    start: datetime.date,
    end: datetime.date,
    step: Callable[[], None],
) -> list[Row]:
    """The units' rows indicator by indicator: a few queries for all the units of one parent
    (indicators.figures.table), or of each parent when `parent` is None."""
    columns = []
    for ind in indicators:
        if parent is None:
            columns.append(figures_below(ind, units, start, end))
        else:
            columns.append(figures_of(ind, parent, units, start, end))
        step()
    return [Row(unit, [column[unit.pk] for column in columns]) for unit in units]


def main_table(
    indicators: list[Indicator],
    unit: Unit,
    children: list[Unit],
    start: datetime.date,
    end: datetime.date,
    step: Callable[[], None],
) -> tuple[list[Row], list[Figure] | None, list[Figure]]:
    """The report's main table, exactly the dashboard's (indicators.figures.dashboard.
    columns_of): the children's rows, the row "không phân bổ được" (None when no indicator has
    anything there) and the unit's total, so that a flow's rows add up to its total."""
    columns = columns_of(indicators, unit, children, start, end, step)
    rows = [Row(child, [column[child.pk] for column, _r, _t in columns]) for child in children]
    return rows, rest_of(columns), [total for _c, _r, total in columns]


def level_sheets(
    unit: Unit,
    below: list[tuple[str, list[Indicator]]],
    above: list[Unit],
    start: datetime.date,
    end: datetime.date,
    step: Callable[[], None],
) -> list[LevelSheet]:
    """The sheets of the levels below, each sorted under the rows of the one before."""
    sheets = []
    for level, shown in below:
        units = in_parent_order(units_below(unit, level, start, end), above, end)
        if units:
            rows = figure_rows(shown, None, units, start, end, step)
            sheets.append(LevelSheet(level, shown, rows))
            above = [*above, *units]
        else:
            for _ in shown:
                step()
    return sheets


def report_content(
    program: Program,
    unit: Unit,
    start: datetime.date,
    end: datetime.date,
    *,
    levels: bool = False,
    progress: Progress | None = None,
) -> ReportContent:
    """Every figure of the report, as indicators.figures.engine.figure() gives it; with `levels`,
    the sheets of the levels below too (see levels_below)."""
    indicators = list(
        Indicator.objects.filter(program=program)
        .select_related("program", "source", "source__program")
        .order_by("position", "code")
    )
    children = children_on_last_day(unit, end)
    below = levels_below(unit, children, indicators) if levels else []
    months = [add_months(start, i) for i in range(months_between(start, end))]
    steps = len(indicators) + 1 + len(months) + sum(len(shown) for _, shown in below)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    rows, rest, total = main_table(indicators, unit, children, start, end, step)
    step()
    series = []
    for month in months:  # each month's figures in a few queries, not a few per indicator
        series.append(figures_of_unit(indicators, unit, month, month))
        step()
    sheets = level_sheets(unit, below, [unit, *children], start, end, step)
    return ReportContent(
        program=program,
        unit=unit,
        start=start,
        end=end,
        made_on=timezone.localdate(),
        indicators=indicators,
        rows=rows,
        total=total,
        rest=rest,
        months=months,
        series=series,
        levels=sheets,
    )
