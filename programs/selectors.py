from django.db.models import QuerySet

from programs.models import Program


def all_programs() -> QuerySet[Program]:
    return Program.objects.order_by("code")
