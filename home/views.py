"""The home page (a user's own unit, reminders, programs) and the unit pages: where a person
lands and walks the hierarchy. Kept apart from the member register (members) and the
indicators, whose selectors these pages read."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts import access
from accounts.http import AuthenticatedRequest
from accounts.selectors import assignments_of
from common.dates import day_from_query
from home.selectors import predecessor_rows
from indicators.selectors import programs_with_indicators, reminders_for, unit_figures
from members import lifespan, selectors
from members.models import Level, Unit
from programs.models import Program


def _day_from(request: AuthenticatedRequest) -> datetime.date:
    """The date the hierarchy is shown at (?ngay=31/12/2024, or ISO 2024-12-31 from an old link,
    shows the pre-2025 map)."""
    return day_from_query(request, "ngay", timezone.localdate())


def _unit_context(
    request: AuthenticatedRequest, unit: Unit, programs: list[Program], *, history: bool = True
) -> dict[str, object]:
    """What the unit's summary and figures show (the programs from programs_with_indicators,
    each with its indicators); with `history`, its predecessors' figures too (the unit page's
    table of old units; the home page names them only)."""
    day = _day_from(request)
    ancestors = list(Unit.objects.ancestors_of(unit))
    counts = selectors.count_descendants_by_level(unit, day)
    program = next((p for p in programs if p.code == request.GET.get("ct")), None) or (
        programs[0] if programs else None
    )
    year_start = datetime.date(day.year, 1, 1)
    indicators = list(program.indicators.all()) if program is not None else []
    context: dict[str, object] = {
        "programs_all": programs,
        "program": program,
        "figures": unit_figures(unit, indicators, year_start, day) if program else [],
        "figures_from": year_start,
        "unit": unit,
        "day": day,
        "is_today": day == timezone.localdate(),
        # The request's assignments answer for each ancestor (access.can), no query.
        "ancestors": [(a, access.can_see(request.user, a)) for a in ancestors],
        "children": selectors.current_children(unit, day),
        "descendant_counts": [(Level(level).label, n) for level, n in counts.items()],
        "may_set_targets": access.can_set_targets(request.user, unit),
    }
    if not history:
        olds, news = selectors.predecessors_and_successors(unit, day)
        context.update(predecessors=olds, successors=news)
        return context
    history_indicators, rows = predecessor_rows(
        lifespan.predecessors_of(unit), indicators, year_start, day
    )
    context.update(
        successors=selectors.successors(unit),
        predecessors=[row.link.unit for row in rows],
        history=rows,
        history_indicators=history_indicators,
    )
    return context


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    assignments = assignments_of(request.user)
    programs = list(programs_with_indicators())
    context: dict[str, object] = {
        "assignments": assignments,
        "programs": programs,
        "reminders": reminders_for(request.user, timezone.localdate(), programs),
    }
    if assignments:
        context.update(_unit_context(request, assignments[0].unit, programs, history=False))
    return render(request, "home/home.html", context)


@login_required
def unit_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    unit = access.unit_or_404(request.user, pk)
    programs = list(programs_with_indicators())
    return render(request, "home/unit_detail.html", _unit_context(request, unit, programs))
