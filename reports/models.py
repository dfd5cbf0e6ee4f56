"""Progress reports made in the background: a job per request, and monthly schedules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jobs.models import Job


class Format(models.TextChoices):
    XLSX = "xlsx", _("Excel")
    PDF = "pdf", _("PDF")
    BOTH = "both", _("Excel và PDF")


class State(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang tạo")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Lỗi")


ACTIVE_STATES: tuple[str, ...] = (State.QUEUED, State.RUNNING)


class ReportSchedule(models.Model):
    """A monthly progress report of a program for a province, made on `day` of each month for the
    months from January to the month just ended; it lands in the province staff's reports."""

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("chương trình"),
    )
    unit = models.ForeignKey(
        "members.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("đơn vị")
    )
    format = models.CharField(_("định dạng"), max_length=8, choices=Format, default=Format.BOTH)
    day = models.PositiveSmallIntegerField(
        _("ngày tạo trong tháng"),
        default=6,
        help_text=_("Sau hạn nộp số liệu của tháng trước (mặc định ngày 5)."),
    )
    active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("lịch báo cáo hằng tháng")
        verbose_name_plural = _("lịch báo cáo hằng tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "unit"], name="one_schedule_per_program_unit"
            ),
            models.CheckConstraint(condition=Q(day__gte=1, day__lte=28), name="schedule_day_1_28"),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} · {self.unit}"


class ReportJob(Job):
    """One progress report asked for (by a user, or by a schedule) and its way to the files
    (its lifecycle columns and steps: jobs.models.Job, jobs.lifecycle)."""

    ACTIVE_STATES = ACTIVE_STATES

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_jobs",
        verbose_name=_("người yêu cầu"),
    )
    schedule = models.ForeignKey(
        ReportSchedule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
        verbose_name=_("lịch"),
    )
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chương trình"),
    )
    unit = models.ForeignKey(
        "members.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    start = models.DateField(_("từ tháng"))
    end = models.DateField(_("đến tháng"))
    format = models.CharField(_("định dạng"), max_length=8, choices=Format)
    # The workbook gets a sheet per level below the rows (reports.selectors.levels_below).
    levels_below = models.BooleanField(_("thêm một trang cho mỗi cấp bên dưới"), default=False)
    language = models.CharField(_("ngôn ngữ"), max_length=8, default="vi")
    state = models.CharField(_("trạng thái"), max_length=16, choices=State, default=State.QUEUED)
    xlsx_file = models.FileField(_("tệp Excel"), upload_to="reports/", blank=True)
    pdf_file = models.FileField(_("tệp PDF"), upload_to="reports/", blank=True)

    class Meta:
        verbose_name = _("báo cáo")
        verbose_name_plural = _("báo cáo")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The same request while one is queued or running does not make a second job.
            models.UniqueConstraint(
                fields=[
                    "requested_by",
                    "program",
                    "unit",
                    "start",
                    "end",
                    "format",
                    "levels_below",
                ],
                condition=Q(state__in=["queued", "running"]),
                name="one_active_report_per_request",
            ),
            # A schedule makes one report per period, however often beat looks.
            models.UniqueConstraint(
                fields=["schedule", "start", "end"],
                condition=Q(schedule__isnull=False),
                name="one_report_per_schedule_period",
            ),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="report_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} · {self.unit} · {self.period_label}"

    @property
    def period_label(self) -> str:
        return f"{self.start:%m/%Y}–{self.end:%m/%Y}"

    @property
    def downloads(self) -> dict[str, str]:
        """The links to the job's files by extension, once it is done (a list row, its page,
        its status)."""
        if self.state != State.DONE:
            return {}
        files = {"xlsx": self.xlsx_file, "pdf": self.pdf_file}
        return {
            ext: reverse("reports:report_download", args=[self.pk, ext])
            for ext, f in files.items()
            if f
        }

    @property
    def wants_xlsx(self) -> bool:
        return self.format in (Format.XLSX, Format.BOTH)

    @property
    def wants_pdf(self) -> bool:
        return self.format in (Format.PDF, Format.BOTH)

    def file_stem(self) -> str:
        """`bao-cao-DA939-04-2017-01-2025-12`: what the downloaded file is called."""
        code = self.unit.code or str(self.unit.pk)
        return f"bao-cao-{self.program.code}-{code}-{self.start:%Y-%m}-{self.end:%Y-%m}"

    def stored_name(self, extension: str) -> str:
        """Where the file lives in storage: one fixed name per job, so a retry overwrites."""
        return f"reports/{self.pk}/{self.file_stem()}.{extension}"
