"""The reviewer's month: every child unit's status, completeness and timeliness, bulk review."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import access
from accounts.http import AuthenticatedRequest
from accounts.selectors import assignments_of
from common.periods import parse_month, previous_month
from indicators.cycle import review
from indicators.figures import completeness
from indicators.models import Submission
from indicators.views.entry import phase_months
from members.models import Unit
from programs.models import Program
from programs.selectors import program_for

REVIEWABLE = {completeness.MonthStatus.ON_TIME, completeness.MonthStatus.LATE}


def _overview_url(unit: Unit, program: Program, month: datetime.date) -> str:
    return reverse("indicators:review_overview", args=[unit.pk, program.code, f"{month:%Y-%m}"])


def _default_unit(request: AuthenticatedRequest) -> Unit | None:
    reviewing = list(access.assignments_for(request.user, access.Action.REVIEW))
    chosen = reviewing or assignments_of(request.user)
    return chosen[0].unit if chosen else None


@login_required
def review_start(request: AuthenticatedRequest) -> HttpResponse:
    """/duyet/: the user's reviewing unit, a program active in the month just ended."""
    unit = (
        access.unit_or_404(request.user, int(request.GET["unit"]))
        if request.GET.get("unit", "").isdigit()
        else _default_unit(request)
    )
    if unit is None:
        messages.info(request, _("Tài khoản của bạn chưa được phân công đơn vị nào."))
        return redirect("home:home")
    try:
        month = parse_month(request.GET.get("month") or f"{previous_month():%Y-%m}")
    except ValueError as exc:
        raise Http404 from exc
    program = program_for(request.GET.get("program"), month)
    if program is None:
        raise Http404
    return redirect(_overview_url(unit, program, month))


def _rows_with_rights(
    request: AuthenticatedRequest, overview: completeness.Overview
) -> list[tuple[completeness.Row, bool]]:
    """Each row, and whether this user may approve or return it now."""
    parents = access.assigned_unit_ids(request.user, access.Action.REVIEW)
    return [
        (
            row,
            row.is_commune
            and row.status in REVIEWABLE
            and (parents is None or row.unit.parent_id in parents),
        )
        for row in overview.rows
    ]


def _status_filter(request: AuthenticatedRequest) -> completeness.MonthStatus | None:
    """The ?status= the rows are filtered by: one of the month statuses, or none; a value that
    is not one shows every row with a message (a hand-edited link, say), never an error page."""
    text = request.GET.get("status", "")
    if not text:
        return None
    try:
        return completeness.MonthStatus(text)
    except ValueError:
        messages.error(
            request, _("Trạng thái «%(value)s» không có; đang hiện mọi đơn vị.") % {"value": text}
        )
        return None


def _shown(
    rows: list[tuple[completeness.Row, bool]], status: completeness.MonthStatus | None
) -> list[tuple[completeness.Row, bool]]:
    """The rows of a status: a commune in it, a unit above with a commune in it."""
    if status is None:
        return rows
    return [
        (row, ok)
        for row, ok in rows
        if (row.status == status if row.is_commune else row.counts.of(status) > 0)
    ]


@login_required
def review_overview(
    request: AuthenticatedRequest, pk: int, program: str, month: str
) -> HttpResponse:
    unit = access.unit_or_404(request.user, pk)
    programs = list(Program.objects.order_by("code"))  # the picker's, the page's among them
    program_obj = next((p for p in programs if p.code == program), None)
    if program_obj is None:
        raise Http404
    try:
        month_date = parse_month(month)
    except ValueError as exc:
        raise Http404 from exc
    if request.method == "POST":
        _bulk_review(request, unit, program_obj, month_date)
        url = _overview_url(unit, program_obj, month_date)
        asked = request.GET.get("status", "")
        if asked in completeness.MonthStatus.values:  # back to the filtered list
            url += f"?status={asked}"
        return redirect(url)
    overview = completeness.overview(unit, program_obj, month_date)
    status = _status_filter(request)
    rows = _shown(_rows_with_rights(request, overview), status)
    reviewable = [row for row, ok in rows if ok]
    context = {
        "overview": overview,
        "rows": rows,
        "status": status,
        "any_reviewable": bool(reviewable),
        "any_on_time": any(row.status == completeness.MonthStatus.ON_TIME for row in reviewable),
        "statuses": [(s, s.label, overview.total.of(s)) for s in completeness.MonthStatus],
        "ancestors": access.visible_ancestors(request.user, unit),
        "programs": programs,
        "months": phase_months(program_obj),
    }
    return render(request, "indicators/review_overview.html", context)


def _bulk_review(
    request: AuthenticatedRequest, unit: Unit, program: Program, month: datetime.date
) -> None:
    """Approves or returns the checked communes: all of them or, on any refusal, none."""
    # Every posted value counts: one that is not a unit's id (typed by hand, "²", "-1") is a
    # unit not on the page, which refuses the batch below rather than being dropped from it.
    posted = set(request.POST.getlist("unit"))
    ids = [int(v) for v in posted if v.isascii() and v.isdigit()]
    submissions = list(
        Submission.objects.filter(
            unit__in=Unit.objects.subtree(unit).filter(pk__in=ids), program=program, month=month
        ).select_related("unit__parent", "program")
    )
    if not submissions:
        messages.error(request, _("Hãy chọn ít nhất một đơn vị đã gửi duyệt."))
        return
    if len(submissions) != len(posted):  # a unit of another place, or one that never sent
        messages.error(
            request,
            _("Chưa duyệt/trả lại đơn vị nào: có đơn vị đã chọn không thuộc %(unit)s "
              "hoặc chưa gửi duyệt.") % {"unit": unit.name},
        )  # fmt: skip
        return
    try:
        if request.POST.get("action") == "return":
            review.return_many(
                user=request.user, submissions=submissions, comment=request.POST.get("comment", "")
            )
            text = _("Đã trả lại %(n)s đơn vị kèm nhận xét.")
        else:
            review.approve_many(user=request.user, submissions=submissions)
            text = _("Đã duyệt %(n)s đơn vị: số liệu đã khóa.")
    except review.ReviewError as exc:
        messages.error(request, _("Chưa duyệt/trả lại đơn vị nào: %(reason)s") % {"reason": exc})
        return
    messages.success(request, text % {"n": len(submissions)})
