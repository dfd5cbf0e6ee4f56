import datetime

from django.db.models import Prefetch, QuerySet

from indicators.engine import Figure, figure
from indicators.models import Indicator, Target
from members.models import Unit
from programs.models import Program


def programs_with_indicators() -> QuerySet[Program]:
    """Programs with their indicators in catalogue order, in two queries."""
    indicators = Indicator.objects.select_related("source", "part_of").order_by("position")
    return Program.objects.order_by("code").prefetch_related(
        Prefetch("indicators", queryset=indicators)
    )


def targets_for_units(units: QuerySet[Unit]) -> QuerySet[Target]:
    return Target.objects.filter(unit__in=units).select_related("indicator", "unit")


def unit_figures(
    unit: Unit, program: Program, start: datetime.date, end: datetime.date
) -> list[tuple[Indicator, Figure]]:
    """Every indicator of a program for a unit over a range, as the engine computes it."""
    indicators = Indicator.objects.filter(program=program).select_related(
        "program", "source", "source__program"
    )
    return [(ind, figure(ind, unit, start, end)) for ind in indicators.order_by("position")]
