"""Writes of activities: the checks every activity goes through, and keeping the indicators
derived from activities current in the same transaction
(indicators.catalogue.services.write_derived),
so that the entry form, the dashboards, reviews and reports all see an activity at once."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import User
from common import uploads
from common.periods import month_start
from indicators.catalogue import services as indicator_services
from members import lifespan
from members.models import Unit
from programs.models import Activity, Attachment, Program
from programs.selectors import derived_value

BREAKDOWNS = ("participants_women", "participants_minority", "participants_over35")
# Where each activity counts: (program, unit that ran it, month it started).
Place = tuple[Program, Unit, datetime.date]


def _label(name: str) -> str:
    field = Activity._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _check_dates(
    program: Program, starts_on: datetime.date, ends_on: datetime.date | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if day is not None and not program.start_year <= day.year <= program.end_year:
            errors[name] = _("%(field)s %(day)s nằm ngoài giai đoạn %(phase)s của chương trình") % {
                "field": _label(name).capitalize(),
                "day": f"{day:%d/%m/%Y}",
                "phase": program.phase,
            }
    if starts_on > timezone.localdate():
        errors["starts_on"] = _("Chỉ ghi nhận hoạt động đã diễn ra: ngày %(day)s chưa đến") % {
            "day": f"{starts_on:%d/%m/%Y}"
        }
    if ends_on is not None and ends_on < starts_on and "ends_on" not in errors:
        errors["ends_on"] = _("Đến ngày phải sau ngày bắt đầu")
    return errors


def _check_people(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("participants", *BREAKDOWNS, "cost"):
        if values.get(name) is not None and values[name] < 0:
            errors[name] = _("%(field)s không được âm") % {"field": _label(name).capitalize()}
    total = values.get("participants") or 0
    for name in BREAKDOWNS:
        part = values.get(name) or 0
        if name not in errors and part > total:
            errors[name] = _("%(field)s (%(part)s) lớn hơn tổng số người tham gia (%(total)s)") % {
                "field": _label(name).capitalize(),
                "part": part,
                "total": total,
            }
    return errors


def check_activity(user: User, values: dict[str, Any]) -> dict[str, str]:
    """Every problem of an activity's values, by field, in Vietnamese ({} when it is fine)."""
    program, unit, starts_on = values["program"], values["unit"], values["starts_on"]
    errors = _check_dates(program, starts_on, values.get("ends_on"))
    errors.update(_check_people(values))
    if not access.can_enter(user, unit):
        errors["unit"] = _("Bạn không được ghi nhận hoạt động cho đơn vị này")
    else:
        errors.update(_life_errors(unit, starts_on, values.get("ends_on")))
    return errors


def _life_errors(
    unit: Unit, starts_on: datetime.date, ends_on: datetime.date | None
) -> dict[str, str]:
    """An activity held on a day the unit did not exist (an old commune after it merged, a new
    one before it was created) belongs to another unit, which the message names."""
    for day in (starts_on, ends_on):
        if day is not None and not lifespan.existed_on(unit, day):
            return {"unit": lifespan.not_in_month_message(unit, f"{day:%d/%m/%Y}")}
    return {}


def _lock_errors(places: Iterable[Place]) -> dict[str, str]:
    for program, unit, month in places:
        reason = indicator_services.month_lock(unit, program, month)
        if reason:
            return {"starts_on": _("Không sửa được hoạt động: %(reason)s") % {"reason": reason}}
    return {}


def _place(activity: Activity) -> Place:
    return (activity.program, activity.unit, month_start(activity.starts_on))


def refresh_derived(places: Iterable[Place], *, user: User | None) -> int:
    """Recomputes the derived indicators' figures where activities changed and writes them."""
    figures: dict[tuple[int, int, datetime.date], indicator_services.DerivedFigure] = {}
    for program, unit, month in set(places):
        for indicator, spec in indicator_services.derived_indicators(program):
            found = indicator_services.derived_home(unit, indicator)
            if found is None:
                continue
            home, own_only = found
            value = derived_value(spec, program, home, own_only, month)
            figures[(home.pk, indicator.pk, month)] = (home, indicator, month, value)
    if figures:
        indicator_services.write_derived(list(figures.values()), user=user)
    return len(figures)


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})


def _attach(activity: Activity, files: Iterable[UploadedFile]) -> None:
    for upload in files:
        Attachment.objects.create(activity=activity, file=upload, name=upload.name or "")


@transaction.atomic
def save_activity(
    *,
    user: User,
    values: dict[str, Any],
    activity: Activity | None = None,
    files: Iterable[UploadedFile] = (),
) -> Activity:
    """Creates an activity (or updates `activity`) from checked values, and its figures.

    Refused with a ValidationError by field (the date outside the program's phase or in a
    locked month, a negative or a breakdown above the total, a unit out of the user's reach).
    """
    files = list(files)
    errors = check_activity(user, values)
    errors.update(check_attachments(files))
    _refuse(errors)
    before = [_place(activity)] if activity is not None and activity.pk else []
    activity = activity or Activity(created_by=user)
    for name, value in values.items():
        setattr(activity, name, value)
    places = [*before, _place(activity)]
    _refuse(_lock_errors(places))
    activity._history_user = user  # type: ignore[attr-defined]
    activity.save()
    _attach(activity, files)
    refresh_derived(places, user=user)
    return activity


@transaction.atomic
def delete_activity(*, user: User, activity: Activity) -> None:
    """Deletes it (kept in its history) and takes it out of its derived figures."""
    if not access.can_enter(user, activity.unit):
        raise ValidationError(_("Bạn không được xóa hoạt động của đơn vị này"))
    place = _place(activity)
    errors = _lock_errors([place])
    if errors:
        raise ValidationError(errors["starts_on"])
    activity._history_user = user  # type: ignore[attr-defined]
    activity.delete()
    refresh_derived([place], user=user)


def check_attachments(files: Iterable[UploadedFile]) -> dict[str, str]:
    """Each file through the one upload gate (common.uploads): photos and minutes (JPEG, PNG,
    PDF, Word, Excel) by their content, within the size and unpacking limits."""
    for upload in files:
        try:
            uploads.check(upload, uploads.attachment_rules())
        except uploads.UnsafeFile as exc:
            return {"attachment": str(exc)}
    return {}
