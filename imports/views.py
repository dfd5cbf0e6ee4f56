"""/nhap-du-lieu/: upload a legacy file, see its preview, commit it, and the batch history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
SHOWN_PER_GROUP = 20  # warnings listed under each indicator (the count says how many in all)


def grouped_warnings(warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The preview's warnings by indicator (or kind), the largest group first, each with its
    count and its first lines: 176 warnings of one sheet are a few lines, each opened at will."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for warning in warnings:
        groups.setdefault(str(warning.get("group") or ""), []).append(warning)
    return [
        {
            "label": label or _("Đọc tệp"),
            "count": len(items),
            "shown": items[:SHOWN_PER_GROUP],
            "more": max(0, len(items) - SHOWN_PER_GROUP),
        }
        for label, items in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0]))
    ]


QUEUE_DOWN_MESSAGE = gettext_lazy(
    "Hàng đợi xử lý nền tạm thời không kết nối được. Tệp đã được lưu (không có gì bị mất) và "
    "sẽ tự được xử lý khi hàng đợi hoạt động trở lại."
)


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
            if batch.state == BatchState.QUEUED and batch.dispatched_at is None:
                messages.warning(request, QUEUE_DOWN_MESSAGE)
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
            "stuck": batches.is_stuck(batch),
            "can_retry": batches.can_retry(batch),
            "groups": batch.groups[:SHOWN_GROUPS],
            "more_groups": max(0, batch.counts.get("groups", 0) - SHOWN_GROUPS),
            "error_count": batch.counts.get("errors", len(batch.errors)),
            "warning_count": batch.counts.get("warnings", len(batch.warnings)),
            "errors": batch.errors[:SHOWN_PROBLEMS],
            "warning_groups": grouped_warnings(batch.warnings),
            "warnings_kept": len(batch.warnings),
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
@require_POST
def import_retry(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A failed or stuck batch (its worker died, or the queue was down) runs its step again."""
    _ensure_may_import(request)
    batch = batch_or_404(request.user, pk)
    if batches.retry(batch, request.user):
        batch.refresh_from_db()
        if batch.state == BatchState.QUEUED and batch.dispatched_at is None:
            messages.warning(request, QUEUE_DOWN_MESSAGE)
        else:
            messages.success(request, _("Đã đưa lần nhập vào hàng chờ để chạy lại."))
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
