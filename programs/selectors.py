"""Reads of programs and activities. Every list of activities starts from the user's scope."""

import datetime
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from accounts import access
from accounts.models import User
from common.periods import add_months
from indicators.catalogue.derived import COUNT, DerivedSpec
from members.models import Unit
from programs.models import Activity, ActivityType, Program


def all_programs() -> QuerySet[Program]:
    return Program.objects.order_by("code")


def program_for(code: str | None, month: datetime.date) -> Program | None:
    """The program asked for by its code, else the first one running in `month`, else any."""
    programs = all_programs()
    running = programs.filter(start_year__lte=month.year, end_year__gte=month.year)
    asked = programs.filter(code=code).first() if code else None  # no program has code ""
    return asked or running.first() or programs.first()


def activity_type_codes() -> set[str]:
    return set(ActivityType.objects.values_list("code", flat=True))


def activity_types() -> QuerySet[ActivityType]:
    return ActivityType.objects.filter(active=True)


def visible_activities(user: User) -> QuerySet[Activity]:
    """The activities of every unit the user may see (their assignments' subtrees)."""
    return Activity.objects.filter(unit__in=access.visible_units(user).values("pk")).select_related(
        "program", "unit", "type"
    )


def activity_or_404(user: User, pk: int) -> Activity:
    """The activity if the user may see its unit; otherwise 404, as if it did not exist."""
    activity = visible_activities(user).filter(pk=pk).first()
    if activity is None:
        raise Http404
    return activity


def in_month(activities: QuerySet[Activity], month: datetime.date) -> QuerySet[Activity]:
    """The activities that start in `month` (a month's first day): where each one counts."""
    return activities.filter(starts_on__gte=month, starts_on__lt=add_months(month, 1))


def filter_activities(
    activities: QuerySet[Activity],
    *,
    unit: Unit | None = None,
    program: Program | None = None,
    type_code: str = "",
    month: datetime.date | None = None,
    level: str = "",
) -> QuerySet[Activity]:
    """The list page's filters: the unit's subtree, a program, a type, a month, a level below."""
    if unit is not None:
        activities = activities.filter(unit__path__startswith=unit.path)
    if program is not None:
        activities = activities.filter(program=program)
    if type_code:
        activities = activities.filter(type__code=type_code)
    if month is not None:
        activities = in_month(activities, month)
    if level:
        activities = activities.filter(unit__level=level)
    return activities


def derived_value(
    spec: DerivedSpec, program: Program, home: Unit, own_only: bool, month: datetime.date
) -> Decimal:
    """A derived indicator's figure for `home` in `month`: the count of the program's matching
    activities (or the sum of one participant field), over the home's subtree or, with
    `own_only`, over the home's own activities alone (see
    indicators.catalogue.services.derived_home)."""
    activities = in_month(Activity.objects.filter(program=program), month)
    if own_only:
        activities = activities.filter(unit=home)
    else:
        activities = activities.filter(unit__path__startswith=home.path)
    if spec.types:
        activities = activities.filter(type__code__in=spec.types)
    if spec.kind == COUNT:
        return Decimal(activities.aggregate(n=Count("pk"))["n"])
    return Decimal(activities.aggregate(n=Sum(spec.field))["n"] or 0)
