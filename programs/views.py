"""Activity pages: the list with filters, the quick add form, edit, delete and the month's
calendar. Every page starts from the user's scope; another unit's activity id is a 404."""

from __future__ import annotations

import calendar
import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.http import AuthenticatedRequest
from common import uploads
from common.dates import month_from_query
from common.periods import add_months, month_start, parse_month
from members.models import Level
from programs import selectors, services
from programs.forms import ActivityForm
from programs.models import Activity, Attachment


def _month(text: str) -> datetime.date | None:
    try:
        return parse_month(text) if text else None
    except ValueError:
        return None


def _filters(request: AuthenticatedRequest) -> dict[str, Any]:
    """The list's filters from the query string, each checked against what exists and the
    user's scope (an unknown or foreign value is ignored or 404, never trusted)."""
    get = request.GET
    unit_pk = get.get("unit", "")
    return {
        "unit": access.unit_or_404(request.user, int(unit_pk)) if unit_pk.isdigit() else None,
        "program": selectors.all_programs().filter(code=get.get("program", "")).first(),
        "type_code": get.get("type", ""),
        "month": month_from_query(request, "month", None),
        "level": get.get("level", "") if get.get("level") in Level.values else "",
    }


def _home_unit(request: AuthenticatedRequest) -> Any:
    return access.visible_units(request.user).order_by("depth").first()


@login_required
def activity_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = _filters(request)
    activities = selectors.filter_activities(selectors.visible_activities(request.user), **filters)
    page = Paginator(activities, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "programs/activity_list.html",
        {
            "page": page,
            "filters": filters,
            "programs": selectors.all_programs(),
            "types": selectors.activity_types(),
            "levels": [(v, label) for v, label in Level.choices if v != Level.CENTRAL],
            "unit": filters["unit"] or _home_unit(request),
            "query": request.GET.urlencode(),
        },
    )


def _save(request: AuthenticatedRequest, form: ActivityForm, activity: Activity | None) -> bool:
    if not form.is_valid():
        return False
    limit = getattr(request, "upload_limit", None)
    if limit is not None and limit.too_big:
        form.add_error("attachment", limit.refusal())
        return False
    upload = request.FILES.get("attachment")
    files = [upload] if isinstance(upload, UploadedFile) else []
    try:
        services.save_activity(
            user=request.user, values=form.values(), activity=activity, files=files
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


def _initial(request: AuthenticatedRequest) -> dict[str, Any]:
    """A new activity: today, the user's own unit, and the program and type asked for."""
    get = request.GET
    today = timezone.localdate()
    month = _month(get.get("month", ""))
    # From a past month's form: a day of that month, so the activity counts where asked.
    initial: dict[str, Any] = {"starts_on": today if month in (None, month_start(today)) else month}
    program = selectors.all_programs().filter(code=get.get("program", "")).first()
    if program is not None:
        initial["program"] = program
    kind = selectors.activity_types().filter(code=get.get("type", "")).first()
    if kind is not None:
        initial["type"] = kind
    unit = _home_unit(request)
    if get.get("unit", "").isdigit():
        unit = access.unit_or_404(request.user, int(get["unit"]))
    initial["unit"] = unit
    return initial


@login_required
@uploads.size_limited(lambda: settings.ATTACHMENT_MAX_BYTES)
def activity_add(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        form = ActivityForm(request.POST, request.FILES, user=request.user)
        if _save(request, form, None):
            messages.success(request, _("Đã ghi nhận hoạt động."))
            return redirect(_back(request))
    else:
        form = ActivityForm(user=request.user, initial=_initial(request))
    return render(request, "programs/activity_form.html", {"form": form, "activity": None})


def _back(request: AuthenticatedRequest) -> str:
    """Where to go after a save: the page the form came from if it is ours, else the list."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return reverse("programs:activity_list")


@login_required
@uploads.size_limited(lambda: settings.ATTACHMENT_MAX_BYTES)
def activity_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_or_404(request.user, pk)
    if request.method == "POST":
        form = ActivityForm(request.POST, request.FILES, user=request.user, instance=activity)
        if _save(request, form, selectors.activity_or_404(request.user, pk)):
            messages.success(request, _("Đã lưu hoạt động."))
            return redirect(_back(request))
    else:
        form = ActivityForm(user=request.user, instance=activity)
    history = activity.history.select_related("history_user").order_by("-history_date")[:20]
    context = {"form": form, "activity": activity, "history": history}
    return render(request, "programs/activity_form.html", context)


@login_required
def activity_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_or_404(request.user, pk)
    error = ""
    if request.method == "POST":
        try:
            services.delete_activity(user=request.user, activity=activity)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Đã xóa hoạt động."))
            return redirect("programs:activity_list")
    context = {"activity": activity, "error": error}
    return render(request, "programs/activity_delete.html", context)


@login_required
def attachment_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(Attachment, pk=pk)
    selectors.activity_or_404(request.user, attachment.activity_id)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
def activity_calendar(request: AuthenticatedRequest) -> HttpResponse:
    """The month's activities by day, Monday first."""
    filters = _filters(request)
    month = filters["month"] or month_start(timezone.localdate())
    filters["month"] = month
    activities = selectors.filter_activities(selectors.visible_activities(request.user), **filters)
    by_day: dict[int, list[Activity]] = {}
    for activity in activities.order_by("starts_on", "pk"):
        by_day.setdefault(activity.starts_on.day, []).append(activity)
    weeks = [
        [(day, by_day.get(day, [])) for day in week]
        for week in calendar.Calendar().monthdayscalendar(month.year, month.month)
    ]
    if not weeks:
        raise Http404
    query = request.GET.copy()
    query.pop("month", None)
    context = {
        "weeks": weeks,
        "month": month,
        "previous": add_months(month, -1),
        "next": add_months(month, 1),
        "query": query.urlencode(),
        "count": activities.count(),
    }
    return render(request, "programs/activity_calendar.html", context)
