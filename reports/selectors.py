"""Reads: the jobs a user may see, and the content of a report as the engine computes it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.selectors import assignments_of, visible_units
from indicators.engine import Figure, figure
from indicators.models import Indicator
from indicators.periods import add_months, month_end, months_between
from indicators.table import figures_of
from members.gazetteer import fold
from members.models import Unit
from programs.models import Program
from reports.models import ReportJob

Progress = Callable[[int, int], None]


def my_reports(user: User) -> QuerySet[ReportJob]:
    """The user's own requests, and the scheduled reports of the units they are assigned to;
    always within the units they may see."""
    assigned = [a.unit_id for a in assignments_of(user)]
    return (
        ReportJob.objects.filter(
            Q(requested_by=user) | Q(schedule__isnull=False, unit_id__in=assigned),
            unit__in=visible_units(user),
        )
        .select_related("program", "unit")
        .order_by("-created_at", "-pk")
    )


def report_job_or_404(user: User, pk: int) -> ReportJob:
    """A job of a unit the user may see (anyone's request: the files are the unit's figures);
    404 otherwise, as if it did not exist."""
    job = (
        ReportJob.objects.filter(pk=pk, unit__in=visible_units(user))
        .select_related("program", "unit")
        .first()
    )
    if job is None:
        raise Http404
    return job


def children_in_range(unit: Unit, start: datetime.date, end: datetime.date) -> list[Unit]:
    """The unit's children that existed at some time in the range: across the 2025 reform both
    the old districts and the new communes. Those still in force at the range's end come first,
    each group in alphabetical order as Vietnamese readers expect it (diacritics folded)."""
    children = Unit.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=month_end(end)),
        Q(valid_to__isnull=True) | Q(valid_to__gte=start),
        parent=unit,
    )
    last_day = month_end(end)
    return sorted(
        children, key=lambda u: (not u.is_valid_on(last_day), fold(u.name), u.name, u.code)
    )


@dataclass
class Row:
    unit: Unit
    figures: list[Figure]


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
    months: list[datetime.date] = field(default_factory=list)
    # series[i][j]: the unit's figure for indicator j in months[i] alone (a cumulative
    # indicator: its running total at the end of that month).
    series: list[list[Figure]] = field(default_factory=list)


def report_content(
    program: Program,
    unit: Unit,
    start: datetime.date,
    end: datetime.date,
    *,
    progress: Progress | None = None,
) -> ReportContent:
    """Every figure of the report, as indicators.engine.figure() gives it."""
    indicators = list(
        Indicator.objects.filter(program=program)
        .select_related("program", "source", "source__program")
        .order_by("position", "code")
    )
    children = children_in_range(unit, start, end)
    months = [add_months(start, i) for i in range(months_between(start, end))]
    steps = len(indicators) + 1 + len(months)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    # The rows indicator by indicator: a few queries for all the children (indicators.table).
    columns = []
    for ind in indicators:
        columns.append(figures_of(ind, unit, children, start, end))
        step()
    rows = [Row(child, [column[child.pk] for column in columns]) for child in children]
    total = [figure(ind, unit, start, end) for ind in indicators]
    step()
    series = []
    for month in months:
        series.append([figure(ind, unit, month, month) for ind in indicators])
        step()
    return ReportContent(
        program=program,
        unit=unit,
        start=start,
        end=end,
        made_on=timezone.localdate(),
        indicators=indicators,
        rows=rows,
        total=total,
        months=months,
        series=series,
    )
