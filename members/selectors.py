"""Named reads of the hierarchy."""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.utils import timezone

from members import gazetteer
from members.models import Level, Unit, UnitQuerySet, UnitSuccession


def province_by_name(name: str) -> Unit | None:
    """The province unit for a name as documents write it ("Khánh Hòa", "Thừa Thiên Huế")."""
    try:
        province = gazetteer.find_province(name)
    except (LookupError, ValueError):
        return None
    code = gazetteer.province_code(province.code.value)
    return Unit.objects.filter(level=Level.PROVINCE, code=code, valid_to__isnull=True).first()


def current_children(unit: Unit, day: datetime.date | None = None) -> UnitQuerySet:
    return Unit.objects.filter(parent=unit).valid_on(day or timezone.localdate()).order_by("name")


def count_descendants_by_level(unit: Unit, day: datetime.date | None = None) -> dict[str, int]:
    rows = (
        Unit.objects.subtree(unit, include_self=False)
        .valid_on(day or timezone.localdate())
        .values("level")
        .annotate(n=Count("id"))
    )
    counts = {row["level"]: row["n"] for row in rows}
    return {level: counts[level] for level in Level.values if level in counts}


def predecessors(unit: Unit) -> UnitQuerySet:
    ids = UnitSuccession.objects.filter(successor=unit).values("predecessor_id")
    return Unit.objects.filter(pk__in=ids).order_by("name")


def successors(unit: Unit) -> UnitQuerySet:
    ids = UnitSuccession.objects.filter(predecessor=unit).values("successor_id")
    return Unit.objects.filter(pk__in=ids).order_by("name")
