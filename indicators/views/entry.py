import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.http import AuthenticatedRequest
from common.periods import add_months, month_start, parse_month, previous_month
from config.shedding import sheddable
from indicators.catalogue import kept
from indicators.cycle import review
from indicators.cycle import sheet as sheets
from indicators.cycle.entry import (
    LARGEST,
    EntryError,
    EntryRefused,
    Problem,
    SaveSummary,
    StaleForm,
    check_entries,
    save_draft,
    save_month,
)
from indicators.models import EntryDraft, Submission, SubmissionState
from indicators.selectors import value_history
from members import lifespan
from members.models import Level, Unit, UnitQuerySet
from programs.models import Program
from programs.selectors import all_programs, program_for


def _month_or_404(text: str) -> datetime.date:
    try:
        return parse_month(text)
    except ValueError as exc:
        raise Http404 from exc


def _commune_or_404(request: AuthenticatedRequest, pk: int) -> Unit:
    unit = access.unit_or_404(request.user, pk)
    if unit.level != Level.COMMUNE:
        raise Http404
    return unit


def phase_months(program: Program) -> list[datetime.date]:
    """The program's months up to the current one, most recent first."""
    last = min(datetime.date(program.end_year, 12, 1), month_start(timezone.localdate()))
    month, months = last, []
    while month.year >= program.start_year:
        months.append(month)
        month = add_months(month, -1)
    return months


def _form_url(unit: Unit, program: Program, month: datetime.date) -> str:
    return reverse("indicators:entry_form", args=[unit.pk, program.code, f"{month:%Y-%m}"])


@login_required
def entry_start(request: AuthenticatedRequest) -> HttpResponse:
    """/nhap-lieu/: the officer's commune, a program and the month just ended (or as picked)."""

    def communes() -> UnitQuerySet:  # built only when needed (~0.5 ms to build the query)
        enter = access.units_for(request.user, access.Action.ENTER)
        return enter.filter(level=Level.COMMUNE).current()

    asked = request.GET.get("unit", "")  # a commune's id; anything else: the first
    unit = None
    if asked.isascii() and asked.isdigit():
        unit = communes().filter(pk=int(asked)).first()
    # An officer of one commune: that commune, from the request's assignments (no query).
    unit = unit or access.sole_unit_for(request.user, access.Action.ENTER, Level.COMMUNE)
    unit = unit or communes().first()
    if unit is None:
        messages.info(request, _("Bạn không được phân công nhập số liệu cho xã/phường nào."))
        return redirect("home:home")
    month = previous_month()
    if request.GET.get("month"):
        month = _month_or_404(request.GET["month"])
    program = program_for(request.GET.get("program"), month)
    if program is None:
        raise Http404
    return redirect(_form_url(unit, program, month))


_ACTOR_UNSHOWN = ("actor__password", "actor__last_login", "actor__date_joined", "actor__email")


def _month_context(request: AuthenticatedRequest, sheet: sheets.Sheet) -> dict[str, object]:
    """The month's review state and what this user may do with it."""
    submission = Submission.objects.filter(
        unit=sheet.unit, program=sheet.program, month=sheet.month
    ).first()
    state = submission.state if submission else None
    may_enter = access.can_enter(request.user, sheet.unit)
    # Of the actor, only the names the timeline and the return note show (a month saved often
    # has an event per save).
    events = (
        list(submission.events.select_related("actor").defer(*_ACTOR_UNSHOWN)) if submission else []
    )
    indicators = {c.indicator.pk: c.indicator for c in sheet.cells}
    note = review.return_note(events, indicators.values())
    shown = indicators | {c.indicator.pk: c.indicator for c in sheet.derived_cells}
    existed = lifespan.existed_in(sheet.unit, sheet.month)
    return {
        "return_note": note,
        "flagged": note.codes if note else frozenset(),
        # A month in which the unit did not exist: a page to read, with where to enter instead.
        "not_in_month": None if existed else lifespan.month_message(sheet.unit, sheet.month),
        "stand_ins": [
            u
            for u in lifespan.stand_ins(sheet.unit, sheet.month)
            if u.level == Level.COMMUNE and access.can_see(request.user, u)
        ],
        "submission": submission,
        "state": state,
        "state_label": SubmissionState(state).label if state else _("Chưa nhập"),
        "locked": state in review.LOCKED,
        "can_edit": existed and may_enter and state not in review.LOCKED,
        "may_enter": may_enter,
        "can_review": access.can_review(request.user, sheet.unit),
        "events": events,
        "history": value_history(
            sheet.unit, sheet.program, sheet.month, children=sheet.children, indicators=shown
        ),
        "version": submission.version if submission else 0,
        "due": review.due_date(sheet.program, sheet.month),
        "late": submission is not None and review.is_late(submission),
    }


def _render(
    request: AuthenticatedRequest,
    sheet: sheets.Sheet,
    status: int = 200,
    *,
    offer_draft: bool = False,
    programs: list[Program] | None = None,
    **extra: object,
) -> HttpResponse:
    """The form. With `offer_draft` (a plain GET), the autosaved draft fills the inputs when
    the month is editable (`can_edit`, read once with the month's state) and the draft is newer
    than every saved figure. `programs`: the picker's, when already read."""
    sheet = sheets.with_details(sheet)
    month = _month_context(request, sheet)
    if offer_draft:
        month["draft_shown"] = bool(month["can_edit"]) and sheets.show_draft(sheet)
    problems = [p for c in sheet.cells for p in c.problems]
    errors = [sheets.problem_label(p) for p in problems if p.blocking]
    context = {
        "sheet": sheet,
        "programs": all_programs() if programs is None else programs,
        "months": phase_months(sheet.program),
        "errors": errors,
        "warnings": [sheets.problem_label(p) for p in problems if not p.blocking],
        "largest": int(LARGEST),  # for the browser's check (static/js/entry.js)
        **month,
        **extra,
    }
    return render(request, "indicators/entry_form.html", context, status=400 if errors else status)


@login_required
def entry_form(request: AuthenticatedRequest, pk: int, program: str, month: str) -> HttpResponse:
    unit = _commune_or_404(request, pk)
    catalogue = kept.catalogue()  # its version read once for the page
    programs = list(catalogue.programs)  # the picker's too
    program_obj = next((p for p in programs if p.code == program), None)
    if program_obj is None:
        raise Http404
    month_date = _month_or_404(month)
    if request.method != "POST":
        sheet = sheets.build_sheet(unit, program_obj, month_date, catalogue)
        return _render(request, sheet, offer_draft=True, programs=programs)
    # A save needs only the cells; the form is shown again with every detail if refused.
    sheet = sheets.posted_sheet(unit, program_obj, month_date, catalogue)
    action = request.POST.get("action", "save")
    if action in REVIEW_ACTIONS:
        return _review(request, sheet, action)
    if not access.can_enter(request.user, unit):
        raise PermissionDenied
    if action == "discard":
        EntryDraft.objects.filter(unit=unit, program=program_obj, month=month_date).delete()
        return redirect(_form_url(unit, program_obj, month_date))
    return _save(request, sheet, then_submit=action == "submit")


REVIEW_ACTIONS = {"approve", "return", "unlock"}


def _review(request: AuthenticatedRequest, sheet: sheets.Sheet, action: str) -> HttpResponse:
    if not access.can_review(request.user, sheet.unit):
        raise PermissionDenied
    submission = review.submission_for(sheet.unit, sheet.program, sheet.month)
    comment = request.POST.get("comment", "")
    try:
        if action == "approve":
            review.approve(user=request.user, submission=submission)
            messages.success(request, _("Đã duyệt: số liệu tháng đã khóa."))
        elif action == "return":
            review.return_to_unit(user=request.user, submission=submission, comment=comment)
            messages.success(request, _("Đã trả lại cho đơn vị kèm nhận xét."))
        else:
            review.unlock(user=request.user, submission=submission, reason=comment)
            messages.success(request, _("Đã mở khóa: đơn vị có thể sửa số liệu."))
    except review.ReviewError as exc:
        messages.error(request, str(exc))
    return redirect(_form_url(sheet.unit, sheet.program, sheet.month))


def _refused(
    request: AuthenticatedRequest, sheet: sheets.Sheet, problems: list[Problem]
) -> HttpResponse:
    sheets.attach_problems(sheet, problems)
    return _render(request, sheet)


def _report_saved(request: AuthenticatedRequest, sheet: sheets.Sheet, summary: SaveSummary) -> None:
    filled = summary.created + summary.updated + summary.unchanged
    messages.success(
        request,
        _("Đã lưu số liệu tháng %(month)s: %(n)s chỉ tiêu có số liệu.")
        % {"month": f"{sheet.month:%m/%Y}", "n": filled},
    )
    for warning in summary.warnings:
        messages.warning(request, sheets.problem_label(warning))


def _posted_version(request: AuthenticatedRequest) -> int | None:
    """The month's version the form was opened at; None when missing or not a plain number."""
    text = request.POST.get("version", "")
    return int(text) if text.isascii() and text.isdigit() else None


def _save(request: AuthenticatedRequest, sheet: sheets.Sheet, then_submit: bool) -> HttpResponse:
    version = _posted_version(request)
    if version is None:  # without it the concurrent-edit check could not be made: nothing saved
        messages.error(
            request,
            _(
                "Biểu mẫu gửi lên thiếu phiên bản của tháng (trường version), nên không kiểm tra"
                " được có ai vừa lưu hay không; chưa lưu gì. Hãy tải lại trang rồi nhập lại."
            ),
        )
        return _render(request, sheet, status=400)
    entries, problems = sheets.read_typed(sheet, request.POST)
    if problems:  # every error of the form at once, not only the unreadable ones
        return _refused(
            request, sheet, [p for p in check_entries(entries, unreadable=problems) if p.blocking]
        )
    try:
        summary = save_month(
            user=request.user, unit=sheet.unit, program=sheet.program, month=sheet.month,
            entries=entries, version=version,
        )  # fmt: skip
    except EntryError as exc:
        return _refused(request, sheet, exc.problems)
    except EntryRefused as exc:
        messages.error(request, str(exc))
        return _render(request, sheet)
    except StaleForm as exc:
        return _render(request, sheet, status=409, stale=str(exc), stale_changes=exc.changes)
    _report_saved(request, sheet, summary)
    if then_submit:
        try:
            review.submit_month(
                user=request.user, unit=sheet.unit, program=sheet.program, month=sheet.month
            )
            messages.success(request, _("Đã gửi duyệt lên cấp trên."))
        except review.ReviewError as exc:
            messages.error(request, str(exc))
    return redirect(_form_url(sheet.unit, sheet.program, sheet.month))


@sheddable
@login_required
@require_POST
def entry_draft(request: AuthenticatedRequest, pk: int, program: str, month: str) -> HttpResponse:
    """Autosave of what is typed (called by static/js/entry.js); nothing is checked here."""
    unit = _commune_or_404(request, pk)
    program_obj = get_object_or_404(Program, code=program)
    data = {k: str(v) for k, v in request.POST.items() if k.split("-", 1)[0] in sheets.FIELDS}
    try:
        draft = save_draft(
            user=request.user, unit=unit, program=program_obj, month=_month_or_404(month), data=data
        )
    except EntryRefused as exc:
        return JsonResponse({"error": str(exc)}, status=403)
    saved_at = timezone.localtime(draft.saved_at)
    return JsonResponse({"saved_at": f"{saved_at:%H:%M:%S}"})
