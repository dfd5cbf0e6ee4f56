import datetime

from django.db.models import QuerySet

from programs.models import Program


def all_programs() -> QuerySet[Program]:
    return Program.objects.order_by("code")


def program_for(code: str | None, month: datetime.date) -> Program | None:
    """The program asked for by its code, else the first one running in `month`, else any."""
    programs = all_programs()
    running = programs.filter(start_year__lte=month.year, end_year__gte=month.year)
    return programs.filter(code=code or "").first() or running.first() or programs.first()
