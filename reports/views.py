"""Report pages: ask for a report and list mine, follow one job, download its files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedRequest
from reports import services
from reports.forms import ReportRequestForm
from reports.models import State
from reports.selectors import my_reports, report_job_or_404

QUEUE_DOWN_MESSAGE = gettext_lazy(
    "Hàng đợi xử lý nền tạm thời không kết nối được. Yêu cầu của bạn đã được lưu (không có gì "
    "bị mất) và báo cáo sẽ tự được tạo khi hàng đợi hoạt động trở lại."
)
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@login_required
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    """/bao-cao/: the request form and "Báo cáo của tôi"."""
    form = ReportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job, created = services.request_report(
                user=request.user,
                program=data["program"],
                unit=data["unit"],
                start=data["start"],
                end=data["end"],
                format=data["format"],
                levels_below=data["levels_below"],
                language=request.LANGUAGE_CODE,
            )
        except services.ReportRequestError as exc:
            form.add_error(None, str(exc))
        else:
            if not created:
                messages.info(request, _("Báo cáo này đang được tạo: xem tiến độ bên dưới."))
            elif job.state == State.QUEUED and job.dispatched_at is None:
                messages.warning(request, QUEUE_DOWN_MESSAGE)
            return redirect("reports:report_detail", pk=job.pk)
    elif request.method == "GET" and request.GET.get("unit"):
        form.initial["unit"] = request.GET["unit"]
    return render(
        request,
        "reports/report_list.html",
        {"form": form, "jobs": list(my_reports(request.user)[:50])},
    )


@login_required
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = report_job_or_404(request.user, pk)
    return render(
        request,
        "reports/report_detail.html",
        {"job": job, "stuck": services.is_stuck(job), "can_retry": services.can_retry(job)},
    )


@login_required
def report_status(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    """What the page's script polls while the job is queued or running."""
    job = report_job_or_404(request.user, pk)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": State(job.state).label,
            "progress": job.progress,
            "error": job.error,
            "active": job.is_active,
            "downloads": job.downloads,
        }
    )


@login_required
def report_download(request: AuthenticatedRequest, pk: int, ext: str) -> FileResponse:
    """The file, only for a user who may see the report's unit (404 otherwise)."""
    job = report_job_or_404(request.user, pk)
    stored = {"xlsx": job.xlsx_file, "pdf": job.pdf_file}.get(ext)
    if job.state != State.DONE or not stored or not default_storage.exists(stored.name):
        raise Http404
    return FileResponse(
        default_storage.open(stored.name, "rb"),
        as_attachment=True,
        filename=f"{job.file_stem()}.{ext}",
        content_type=CONTENT_TYPES[ext],
    )


@login_required
@require_POST
def report_retry(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = report_job_or_404(request.user, pk)
    if services.can_retry(job):
        job = services.retry_job(job)
        if job.state == State.QUEUED and job.dispatched_at is None:
            messages.warning(request, QUEUE_DOWN_MESSAGE)
        else:
            messages.success(request, _("Đã đưa báo cáo vào hàng chờ để tạo lại."))
    return redirect("reports:report_detail", pk=job.pk)
