import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import access
from accounts.http import AuthenticatedRequest
from accounts.selectors import assignments_of
from common import periods, uploads
from common.dates import month_from_query, parse_day
from members import import_files, imports, selectors
from members.exports import export_members, may_export
from members.forms import FilterForm, MemberForm, MoveForm, StatusForm
from members.models import Level, Member, UnitQuerySet
from members.services import (
    MemberError,
    MemberRefused,
    add_member,
    anonymise_member,
    change_status,
    move_member,
    record_card_view,
    update_member,
)

# --- The member register ------------------------------------------------------------------

PAGE_SIZE = 50
# Personal fields never reach an error report (Django prints POST data of a failing request).
PERSONAL_FIELDS = (
    "full_name",
    "birth_year",
    "birth_date",
    "ethnicity",
    "religion",
    "phone",
    "household",
    "has_disability",
    "is_business_owner",
)


# Far beyond the last page of the largest register (20 million members: 400,000 pages), and an
# offset PostgreSQL takes (a bigger number overflowed its integer: a server error).
LAST_PAGE = 1_000_000


def _page_number(request: AuthenticatedRequest) -> int:
    """?trang=: a page number from 1 to LAST_PAGE; anything else is page 1."""
    try:
        number = int(request.GET.get("trang", "1"))
    except ValueError:
        return 1
    return number if 1 <= number <= LAST_PAGE else 1


@login_required
def register(request: AuthenticatedRequest) -> HttpResponse:
    """The register: the user's members, searched and filtered, 50 a page.

    Paging reads one row more than the page instead of counting the whole match, so a page
    costs the same at 20 million rows as at 2,000."""
    branches = selectors.visible_branches(request.user)
    form = FilterForm(request.GET or None, branches=branches)
    wanted = form.member_filter()
    number = _page_number(request)
    start = (number - 1) * PAGE_SIZE
    rows = selectors.register_rows(request.user, wanted, start, start + PAGE_SIZE + 1)
    query = request.GET.copy()
    query.pop("trang", None)
    counts = selectors.active_counts_by_branch(request.user)
    return render(
        request,
        "members/register.html",
        {
            "form": form,
            "members": rows[:PAGE_SIZE],
            "page": number,
            "has_next": len(rows) > PAGE_SIZE,
            "query": query.urlencode(),
            "branch_counts": counts[:BRANCH_COUNTS_SHOWN],
            "branch_counts_more": max(0, len(counts) - BRANCH_COUNTS_SHOWN),
            "active_total": sum(n for _branch, n in counts),
            "can_add": access.units_for(request.user, access.Action.EDIT_MEMBERS)
            .filter(level=Level.BRANCH)
            .exists(),
            "first_row": start + 1,
            "may_export": may_export(request.user),
        },
    )


BRANCH_COUNTS_SHOWN = 60


def _editable_branches(request: AuthenticatedRequest) -> UnitQuerySet:
    return (
        access.units_for(request.user, access.Action.EDIT_MEMBERS)
        .filter(level=Level.BRANCH)
        .current()
        .order_by("path")
    )


def _show_errors(form: forms.Form, error: MemberError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
@sensitive_post_parameters(*PERSONAL_FIELDS)
def member_add(request: AuthenticatedRequest) -> HttpResponse:
    branches = _editable_branches(request)
    if not branches.exists():
        raise PermissionDenied
    form = MemberForm(
        request.POST or None,
        branches=branches,
        initial={"branch": request.GET.get("chi_hoi"), "joined_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = add_member(
                user=request.user,
                branch=form.cleaned_data["branch"],
                joined_on=form.cleaned_data["joined_on"],
                data=form.member_data(),
            )
        except MemberError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm hội viên vào sổ."))
            return redirect("members:member_detail", member.pk)
    return render(request, "members/member_form.html", {"form": form}, status=_status(form))


def _status(form: forms.Form) -> int:
    return 400 if form.is_bound and form.errors else 200


def _initial(member: Member) -> dict[str, object]:
    return {
        "full_name": member.full_name,
        "birth_year": member.birth_year,
        "birth_date": member.birth_date,
        "ethnicity": member.ethnicity,
        "religion": member.religion,
        "phone": member.phone,
        "household": member.household,
        "has_disability": member.has_disability,
        "is_business_owner": member.is_business_owner,
        "joined_on": member.joined_on,
    }


def _detail(
    request: AuthenticatedRequest, member: Member, status: int = 200, **forms_: forms.Form
) -> HttpResponse:
    can_edit = access.can_edit_members(request.user, member.branch)
    others = _editable_branches(request).exclude(pk=member.branch_id)
    context = {
        "member": member,
        "can_edit": can_edit and not member.is_anonymised,
        "form": forms_.get("form") or MemberForm(initial=_initial(member)),
        "status_form": forms_.get("status_form") or StatusForm(),
        "move_form": forms_.get("move_form") or MoveForm(branches=others),
        "memberships": member.memberships.select_related("branch"),
    }
    return render(request, "members/member_detail.html", context, status=status)


@login_required
@sensitive_post_parameters(*PERSONAL_FIELDS)
def member_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A member's card; POST saves the personal fields."""
    member = selectors.visible_member_or_404(request.user, pk)
    if request.method != "POST":
        record_card_view(user=request.user, member=member)
        return _detail(request, member)
    form = MemberForm(request.POST)

    def save(data: dict[str, Any]) -> None:
        update_member(
            user=request.user, member=member, data=form.member_data(),
            joined_on=data["joined_on"],
        )  # fmt: skip

    return _apply(request, member, form, "form", save, _("Đã lưu thông tin hội viên."))


@login_required
@require_POST
def member_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    member = selectors.visible_member_or_404(request.user, pk)

    def save(data: dict[str, Any]) -> None:
        change_status(user=request.user, member=member, status=data["status"], on=data["on"])

    form = StatusForm(request.POST)
    done = _("Đã cập nhật tình trạng hội viên.")
    return _apply(request, member, form, "status_form", save, done)


@login_required
@require_POST
def member_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    member = selectors.visible_member_or_404(request.user, pk)

    def save(data: dict[str, Any]) -> None:
        move_member(user=request.user, member=member, to_branch=data["to_branch"], on=data["on"])

    form = MoveForm(request.POST, branches=_editable_branches(request))
    done = _("Đã chuyển hội viên sang chi hội mới.")
    return _apply(request, member, form, "move_form", save, done)


def _apply(
    request: AuthenticatedRequest,
    member: Member,
    form: forms.Form,
    form_name: str,
    save: Callable[[dict[str, Any]], None],
    done: str,
) -> HttpResponse:
    """One of the member card's forms: saved through its service, or shown again on the card
    with the service's refusal on the field it names."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except MemberRefused as exc:
            raise PermissionDenied from exc
        except MemberError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("members:member_detail", member.pk)
    member.refresh_from_db()
    return _detail(request, member, status=400, **{form_name: form})


@login_required
@require_POST
def member_anonymise(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    member = selectors.visible_member_or_404(request.user, pk)
    try:
        anonymise_member(user=request.user, member=member)
    except MemberRefused as exc:
        raise PermissionDenied from exc
    messages.success(
        request, _("Đã xóa thông tin cá nhân theo yêu cầu; hội viên vẫn được tính trong số liệu.")
    )
    return redirect("members:register")


@login_required
def register_export(request: AuthenticatedRequest) -> HttpResponse:
    """The register as a file, for the roles that keep it (members.exports.may_export)."""
    if not may_export(request.user):
        raise PermissionDenied
    form = FilterForm(request.GET or None, branches=selectors.visible_branches(request.user))
    content, _rows = export_members(user=request.user, wanted=form.member_filter())
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"hoi-vien-{timezone.localdate():%Y-%m-%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _month_param(request: AuthenticatedRequest, name: str, default: datetime.date) -> datetime.date:
    """A month (mm/yyyy, or yyyy-mm) or a day of it (dd/mm/yyyy or yyyy-mm-dd: older links); the
    default, with a message, when it is neither."""
    try:
        return periods.month_start(parse_day(request.GET.get(name, "").strip()))
    except ValueError:
        return month_from_query(request, name, default) or default


@login_required
def register_figures(request: AuthenticatedRequest) -> HttpResponse:
    """New members in a range of months and active members at the end of its last month, for a
    unit and its children, from the branches' monthly counts of the register."""
    assignments = assignments_of(request.user)
    default_pk = assignments[0].unit.pk if assignments else 0
    asked = request.GET.get("don_vi", "")
    unit = access.unit_or_404(request.user, int(asked) if asked.isdigit() else default_pk)
    this_month = periods.month_start(timezone.localdate())
    start = _month_param(request, "tu", this_month.replace(month=1))
    end = _month_param(request, "den", this_month)
    if end < start:
        start, end = end, start
    return render(
        request,
        "members/register_figures.html",
        {
            "unit": unit,
            "start": start,
            "end": end,
            "end_day": periods.month_end(end),
            "rows": selectors.register_figures_by_child(unit, start, end),
        },
    )


def _member_import_rules() -> uploads.UploadRules:
    return uploads.UploadRules(
        kinds=frozenset({uploads.XLSX}),
        max_bytes=settings.MEMBER_IMPORT_MAX_BYTES,
        max_unpacked=settings.MEMBER_IMPORT_MAX_UNPACKED_BYTES,
        max_entries=settings.IMPORT_MAX_ZIP_ENTRIES,
        max_ratio=settings.UPLOAD_MAX_RATIO,
    )


@login_required
@uploads.size_limited(lambda: settings.MEMBER_IMPORT_MAX_BYTES)
def register_import(request: AuthenticatedRequest) -> HttpResponse:
    """Upload a branch's Excel register, see the preview (errors by row and column,
    duplicates flagged), then confirm or cancel: the file is kept in storage for at most an
    hour between the two steps and deleted after, or at once when refused
    (members.import_files)."""
    branches = _editable_branches(request)
    if not branches.exists():
        raise PermissionDenied
    context: dict[str, object] = {"branches": branches, "columns": imports.COLUMNS.values()}
    if request.method != "POST":
        return render(request, "members/register_import.html", context)
    if request.POST.get("cancel"):
        import_files.discard(request.session)
        messages.info(request, _("Đã hủy nhập; tệp đã được xóa."))
        return redirect("members:register_import")
    branch = branches.filter(pk=request.POST.get("branch") or 0).first()
    if branch is None:
        messages.error(request, _("Chọn chi hội để nhập."))
        return render(request, "members/register_import.html", context, status=400)
    upload = request.FILES.get("file")
    refusal = request.upload_limit.refusal()  # type: ignore[attr-defined]
    if upload is not None and not refusal:
        try:  # the one upload gate, before the file is kept or parsed
            uploads.check(upload, _member_import_rules())
        except uploads.UnsafeFile as exc:
            refusal = str(exc)
    if refusal:
        import_files.discard(request.session)
        messages.error(request, refusal)
        return render(request, "members/register_import.html", context, status=400)
    if upload is not None:
        content = upload.read()
        import_files.keep(request.session, branch.pk, content)
    else:
        content = import_files.read(request.session, branch.pk)
    try:
        if request.POST.get("confirm") and content:
            preview = imports.import_members(user=request.user, branch=branch, content=content)
            import_files.discard(request.session)
            messages.success(
                request,
                _("Đã nhập %(n)s hội viên vào %(branch)s; bỏ qua %(d)s dòng trùng.")
                % {"n": len(preview.new), "branch": branch.name, "d": len(preview.duplicates)},
            )
            return redirect(f"{reverse('members:register')}?chi_hoi={branch.pk}")
        preview = imports.preview_import(user=request.user, branch=branch, content=content)
    except imports.ImportRefused as exc:
        import_files.discard(request.session)
        messages.error(request, str(exc))
        return render(request, "members/register_import.html", context, status=400)
    if preview.errors or not preview.new:  # nothing to confirm: the file goes now
        import_files.discard(request.session)
    context.update({"preview": preview, "branch": branch})
    return render(
        request,
        "members/register_import.html",
        context,
        status=400 if preview.errors else 200,
    )
