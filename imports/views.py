"""/nhap-du-lieu/: upload a legacy file, see its preview, commit it, and the batch history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts import access
from accounts.http import AuthenticatedRequest
from imports import batches, safety, services
from imports.forms import ImportForm
from imports.models import BatchState
from imports.selectors import batch_or_404, batches_for
from imports.uploads import SizeLimitHandler, limit_uploads

SHOWN_GROUPS = 300
SHOWN_PROBLEMS = 500


def _ensure_may_import(request: AuthenticatedRequest) -> None:
    if not access.may_anywhere(request.user, access.Action.IMPORT):
        raise PermissionDenied(_("Chỉ cán bộ quản trị mới nhập được dữ liệu cũ."))


@csrf_exempt  # checked below, once the size limit is in place (Django's documented pattern)
@login_required
def import_list(request: AuthenticatedRequest) -> HttpResponse:
    _ensure_may_import(request)
    limit = limit_uploads(request)
    return _import_list(request, limit)


@csrf_protect
def _import_list(request: AuthenticatedRequest, limit: SizeLimitHandler) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if limit.too_big:
        form.add_error("file", limit.refusal())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch, rows = batches.store_upload(
                user=request.user,
                upload=data["file"],
                unit=data["unit"],
                program=data["program"],
                period=data["period"],
            )
        except safety.UnsafeFile as exc:
            form.add_error("file", str(exc))
        else:
            batches.start_preview(batch, rows)
            return redirect("imports:import_detail", pk=batch.pk)
    return render(
        request, "imports/import_list.html", {"form": form, "jobs": batches_for(request.user)}
    )


@login_required
def import_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _ensure_may_import(request)
    batch = batch_or_404(request.user, pk)
    return render(
        request,
        "imports/import_detail.html",
        {
            "batch": batch,
            "groups": batch.groups[:SHOWN_GROUPS],
            "more_groups": max(0, batch.counts.get("groups", 0) - SHOWN_GROUPS),
            "error_count": batch.counts.get("errors", len(batch.errors)),
            "warning_count": batch.counts.get("warnings", len(batch.warnings)),
            "errors": batch.errors[:SHOWN_PROBLEMS],
            "warnings": batch.warnings[:SHOWN_PROBLEMS],
            "kinds": [
                (kind, label, batch.counts.get(kind, {}))
                for kind, label in (("results", _("Kết quả")), ("targets", _("Kế hoạch")))
            ],
        },
    )


@login_required
def import_status(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    """What the page polls while a job previews or commits the file."""
    _ensure_may_import(request)
    batch = batch_or_404(request.user, pk)
    return JsonResponse(
        {
            "state": batch.state,
            "state_label": BatchState(batch.state).label,
            "progress": batch.progress,
            "active": batch.is_active,
        }
    )


@login_required
@require_POST
def import_commit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _ensure_may_import(request)
    batch = batch_or_404(request.user, pk)
    try:
        batches.start_commit(batch, request.user)
    except services.ImportRefused as exc:
        messages.error(request, str(exc))
    else:
        batch.refresh_from_db()
        if batch.state == BatchState.COMMITTED:
            messages.success(request, _("Đã ghi số liệu của tệp vào hệ thống."))
    return redirect("imports:import_detail", pk=batch.pk)


@login_required
def import_file(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """The original file, as uploaded (only for those who may see the batch)."""
    _ensure_may_import(request)
    batch = batch_or_404(request.user, pk)
    if not batch.file or not default_storage.exists(batch.file.name):
        raise Http404
    return FileResponse(
        default_storage.open(batch.file.name, "rb"),
        as_attachment=True,
        filename=batch.original_name,
    )
