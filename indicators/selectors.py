import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from indicators.engine import Figure, figure
from indicators.models import Indicator, Result, Target
from indicators.numbers import format_number
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


SOURCE_LABELS = {
    "form": _("nhập trên biểu mẫu"),
    "import": _("nạp từ tệp"),
    "unlock": _("sửa sau khi mở khóa"),
}


def value_history(
    unit: Unit,
    program: Program,
    month: datetime.date,
    *,
    since: datetime.datetime | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """The latest changes of a commune's month (its branches included), newest first."""
    records = Result.history.filter(
        Q(unit=unit) | Q(unit__parent=unit), indicator__program=program, month=month
    )
    if since is not None:
        records = records.filter(history_date__gt=since)
    records = records.select_related("indicator", "unit", "history_user").order_by(
        "-history_date", "-history_id"
    )[:limit]
    return [
        {
            "at": record.history_date,
            "user": record.history_user,
            "indicator": record.indicator,
            "unit": record.unit,
            "before": show_record(record.prev_record) if record.history_type != "+" else "–",
            "after": "–" if record.history_type == "-" else show_record(record),
            "source": SOURCE_LABELS.get(record.history_change_reason or "", ""),
        }
        for record in records
    ]


def show_record(record: Any) -> str:
    if record is None:
        return "–"
    if record.numerator is not None:
        return f"{format_number(record.numerator)}/{format_number(record.denominator)}"
    return format_number(record.value, 2)
