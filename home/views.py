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
from indicators.selectors import (
    program_indicators,
    programs_with_indicators,
    reminders_for,
    unit_figures,
)
from members import lifespan, selectors
from members.models import Level, Unit
from programs.models import Program


def _day_from(request: AuthenticatedRequest) -> datetime.date:
    """The date the hierarchy is shown at (?ngay=31/12/2024, or ISO 2024-12-31 from an old link,
    shows the pre-2025 map)."""
    return day_from_query(request, "ngay", timezone.localdate())


def _unit_context(request: AuthenticatedRequest, unit: Unit) -> dict[str, object]:
    day = _day_from(request)
    ancestors = list(Unit.objects.ancestors_of(unit))
    visible_ids = set(
        access.visible_units(request.user)
        .filter(pk__in=[a.pk for a in ancestors])
        .values_list("pk", flat=True)
    )
    counts = selectors.count_descendants_by_level(unit, day)
    programs = list(Program.objects.order_by("code"))
    program = next((p for p in programs if p.code == request.GET.get("ct")), None) or (
        programs[0] if programs else None
    )
    year_start = datetime.date(day.year, 1, 1)
    indicators = program_indicators(program) if program is not None else []
    history_indicators, history = predecessor_rows(
        lifespan.predecessors_of(unit), indicators, year_start, day
    )
    return {
        "programs_all": programs,
        "program": program,
        "figures": unit_figures(unit, indicators, year_start, day) if program else [],
        "figures_from": year_start,
        "unit": unit,
        "day": day,
        "is_today": day == timezone.localdate(),
        "ancestors": [(a, a.pk in visible_ids) for a in ancestors],
        "children": selectors.current_children(unit, day),
        "descendant_counts": [(Level(level).label, n) for level, n in counts.items()],
        "predecessors": [row.link.unit for row in history],
        "history": history,
        "history_indicators": history_indicators,
        "successors": selectors.successors(unit),
        "may_set_targets": access.can_set_targets(request.user, unit),
    }


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    assignments = assignments_of(request.user)
    context: dict[str, object] = {
        "assignments": assignments,
        "programs": programs_with_indicators(),
        "reminders": reminders_for(request.user, timezone.localdate()),
    }
    if assignments:
        context.update(_unit_context(request, assignments[0].unit))
    return render(request, "home/home.html", context)


@login_required
def unit_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    unit = access.unit_or_404(request.user, pk)
    return render(request, "home/unit_detail.html", _unit_context(request, unit))
