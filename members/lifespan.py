"""A unit's life on the map: the months it existed, what came before it and after it, and the
message a write gets for a month in which the unit did not exist.

PRODUCT.md, "Figures across the 2025 reform": a value can only be written for a unit in a
month when the unit existed, and a unit's history includes its predecessors'. Every result
write (indicators.cycle.recording) and every activity (programs.services) asks `existed_in`
and refuses with `not_in_month_message`; the unit page and the entry form read `lineage`.

`lineage` is the one call that knows which old units' whole area went to a unit. Until the
shared lineage module lands it reads the merger links directly (`UnitSuccession`): an old unit
whose only successor is this one. An old unit split among several successors belongs to none
of them (it belongs to the lowest unit holding all its successors), so it is listed on the
page as split and never added into one successor's figures.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from common.periods import month_end, month_start
from members import lineage as shared
from members.models import Unit, UnitSuccession


def existed_in(unit: Unit, month: datetime.date) -> bool:
    """Whether the unit was valid on at least one day of the month (a unit created on
    2025-07-01 exists in July 2025; one that ceased on 2025-06-30 exists in June)."""
    first, last = month_start(month), month_end(month)
    started = unit.valid_from is None or unit.valid_from <= last
    return started and (unit.valid_to is None or unit.valid_to >= first)


def existed_on(unit: Unit, day: datetime.date) -> bool:
    """Whether the unit was valid on the day (an activity's date)."""
    return unit.is_valid_on(day)


@dataclass(frozen=True)
class Predecessor:
    """An old unit that went into `unit`: whole (all its area, so its history is the unit's)
    or split (part of it; its history stays with the lowest unit holding all its successors)."""

    unit: Unit
    effective_on: datetime.date
    whole: bool
    successors: tuple[Unit, ...]


def predecessors_of(unit: Unit) -> list[Predecessor]:
    """The old units that went into `unit`, by name, each whole or split (two queries)."""
    links = list(
        UnitSuccession.objects.filter(successor=unit)
        .select_related("predecessor")
        .order_by("predecessor__name")
    )
    olds = [link.predecessor_id for link in links]
    others: dict[int, list[Unit]] = defaultdict(list)
    for link in UnitSuccession.objects.filter(predecessor__in=olds).select_related("successor"):
        others[link.predecessor_id].append(link.successor)
    return [
        Predecessor(
            unit=link.predecessor,
            effective_on=link.effective_on,
            whole=all(s.pk == unit.pk for s in others[link.predecessor_id]),
            successors=tuple(sorted(others[link.predecessor_id], key=lambda s: s.name)),
        )
        for link in links
    ]


def lineage(unit: Unit) -> list[Unit]:
    """The old units of `unit`'s level whose whole area went to `unit`, as members.lineage
    places them on the unit's first day (merged communes, a merged-in province), by code."""
    found = shared.lineage(unit, unit.valid_from or timezone.localdate())
    pks = [
        pk
        for pk, place in found.home.items()
        if place == unit.path and found.old[pk].level == unit.level
    ]
    return list(Unit.objects.filter(pk__in=pks).order_by("code"))


def units_for_month(unit: Unit, month: datetime.date) -> list[Unit]:
    """The units whose values stand for `unit` in `month`: itself while it existed; before,
    its lineage's units that existed then (their predecessors too, for an older month)."""
    if existed_in(unit, month):
        return [unit]
    if unit.valid_from is None or month_start(month) > unit.valid_from:
        return []  # after its end: its values are its successor's business
    found: list[Unit] = []
    for old in lineage(unit):
        found.extend(units_for_month(old, month))
    return found


def stand_ins(unit: Unit, month: datetime.date) -> list[Unit]:
    """The units that existed in `month` in `unit`'s place, for a month in which it did not:
    its successors after its end, its predecessors (whole or split) before its start; by
    name. Empty for a month in which the unit existed."""
    if existed_in(unit, month):
        return []
    if unit.valid_to is not None and month_start(month) > unit.valid_to:
        found = [link.successor for link in unit.successor_links.select_related("successor")]
    else:
        found = [p.unit for p in predecessors_of(unit)]
    return sorted((u for u in found if existed_in(u, month)), key=lambda u: u.name)


def _day(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def life_text(unit: Unit) -> str:
    """ "từ 01/07/2025", "đến 30/06/2025" or "từ … đến …": the unit's dates in words."""
    if unit.valid_from and unit.valid_to:
        return _("từ %(start)s đến %(end)s") % {
            "start": _day(unit.valid_from),
            "end": _day(unit.valid_to),
        }
    if unit.valid_from:
        return _("từ %(start)s") % {"start": _day(unit.valid_from)}
    if unit.valid_to:
        return _("đến %(end)s") % {"end": _day(unit.valid_to)}
    return ""


def _names(units: list[Unit]) -> str:
    return ", ".join(f"{u.name} ({u.code})" if u.code else u.name for u in units)


def not_in_month_message(unit: Unit, when: str) -> str:
    """Why nothing can be written for `unit` at `when` (a month "05/2025" or a day): the
    unit's dates, and where its figures go instead (its successors after its end, its
    predecessors before its start)."""
    message = _("%(unit)s không tồn tại vào %(when)s (đơn vị có hiệu lực %(life)s)") % {
        "unit": unit.name,
        "when": when,
        "life": life_text(unit),
    }
    if unit.valid_to is not None:
        later = [link.successor for link in unit.successor_links.select_related("successor")]
        if later:
            message += "; " + _("đã sáp nhập vào %(units)s") % {"units": _names(later)}
    else:
        earlier = [p.unit for p in predecessors_of(unit)]
        if earlier:
            message += "; " + _("số liệu trước đó ghi cho đơn vị cũ: %(units)s") % {
                "units": _names(earlier)
            }
    return message


def month_message(unit: Unit, month: datetime.date) -> str:
    """not_in_month_message for a month."""
    return not_in_month_message(unit, _("tháng %(month)s") % {"month": f"{month:%m/%Y}"})
