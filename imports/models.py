"""A legacy file brought in: who, when, the file itself (kept, with its checksum), what its
preview found and whether it was committed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobs.models import Job


class Shape(models.TextChoices):
    LONG = "long", _("Dạng dọc (mỗi dòng một số liệu)")
    WIDE = "wide", _("Biểu tổng hợp (bảng ngang)")


class BatchState(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    PREVIEWING = "previewing", _("Đang đọc tệp")
    PREVIEWED = "previewed", _("Đã xem trước")
    COMMITTING = "committing", _("Đang ghi")
    COMMITTED = "committed", _("Đã ghi vào hệ thống")
    FAILED = "failed", _("Lỗi")


ACTIVE_STATES: tuple[str, ...] = (BatchState.QUEUED, BatchState.PREVIEWING, BatchState.COMMITTING)


class ImportBatch(Job):
    """A file's preview and commit are runs of one job (jobs.models.Job, jobs.lifecycle): a
    preview runs in "previewing" and ends "previewed", a commit runs in "committing" and ends
    "committed"; `error` says why a run failed or a commit was refused."""

    ACTIVE_STATES = ACTIVE_STATES

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_batches",
        verbose_name=_("người nhập"),
    )
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    file = models.FileField(_("tệp"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("tên tệp"), max_length=255)
    sha256 = models.CharField(_("mã kiểm tra SHA-256"), max_length=64, db_index=True)
    unit = models.ForeignKey(
        "members.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị"),
    )
    program = models.ForeignKey(
        "programs.Program",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chương trình"),
    )
    period = models.CharField(_("kỳ"), max_length=16, blank=True)
    shape = models.CharField(_("dạng"), max_length=8, choices=Shape, blank=True)
    state = models.CharField(
        _("trạng thái"), max_length=16, choices=BatchState, default=BatchState.QUEUED
    )
    rows = models.PositiveIntegerField(_("số dòng"), default=0)
    # {"results": {"new": N, "changed": N, "unchanged": N, "blocked": N}, "targets": {...}}
    counts = models.JSONField(_("số lượng"), default=dict)
    # [{"row": N, "column": "C", "message": "..."}]
    errors = models.JSONField(_("lỗi"), default=list)
    warnings = models.JSONField(_("cảnh báo"), default=list)
    # Per unit and indicator: the preview's table (imports.services.Plan.groups).
    groups = models.JSONField(_("chi tiết"), default=list)
    committed_at = models.DateTimeField(_("ghi lúc"), null=True, blank=True)
    # Which run the job's message asks for ("preview" or "commit"), and for a commit who asked
    # for it: what the sweep needs to send a lost or never-sent message again.
    step = models.CharField(max_length=8, default="preview", editable=False)
    commit_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("lần nhập dữ liệu")
        verbose_name_plural = _("lần nhập dữ liệu")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_name} · {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def writes(self) -> int:
        """How many values committing the previewed file would write (new or changed)."""
        return sum(
            int((self.counts.get(kind) or {}).get(status, 0))
            for kind in ("results", "targets")
            for status in ("new", "changed")
        )

    @property
    def can_commit(self) -> bool:
        """Previewed without errors, with something to write: a file whose months are all
        locked, or that brings nothing new, is not offered for writing."""
        return self.state == BatchState.PREVIEWED and not self.errors and self.writes > 0
