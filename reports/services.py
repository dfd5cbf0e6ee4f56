"""Writes: asking for a report, running a job (idempotent, safe to run twice), retrying it, the
sweep of stuck jobs and the monthly schedules.

A job's life: queued -> running (progress %, heartbeat) -> done (files) or failed (reason),
each step through jobs.lifecycle. Running it again is always safe: the files have fixed names
per job and are overwritten, the state only moves forward, and a job already done is left alone.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import User
from common.periods import add_months, month_start
from jobs import lifecycle
from members.models import Unit
from programs.models import Program
from reports.models import ACTIVE_STATES, Format, ReportJob, ReportSchedule, State
from reports.selectors import ReportContent, report_content

logger = logging.getLogger(__name__)


class ReportRequestError(ValueError):
    """A request that cannot be a report (the message is for the user, in their language)."""


def check_period(program: Program, start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise ReportRequestError(_("Tháng kết thúc phải sau tháng bắt đầu."))
    if start.year < program.start_year or end.year > program.end_year:
        raise ReportRequestError(
            _("Kỳ báo cáo phải nằm trong giai đoạn %(phase)s của chương trình.")
            % {"phase": program.phase}
        )


def _enqueue(job: ReportJob) -> None:
    """Hands the job to Celery once the transaction that made it has committed (a worker must
    find the row), through the outbox: a broker that cannot be reached leaves the job queued
    without `dispatched_at`, and the sweep sends it when the broker is back. Eager (no
    REDIS_URL): it runs right there, in this process."""
    from reports.tasks import generate_report

    transaction.on_commit(lambda: lifecycle.dispatch(job, lambda: generate_report.delay(job.pk)))


def request_report(
    *,
    user: User,
    program: Program,
    unit: Unit,
    start: datetime.date,
    end: datetime.date,
    format: str,
    levels_below: bool = False,
    language: str = "vi",
) -> tuple[ReportJob, bool]:
    """A job for this request, and whether it is new: the same request while one is queued or
    running gives that one back instead of a second job."""
    if not access.can_see(user, unit):
        raise ReportRequestError(_("Bạn không được xem đơn vị này."))
    start, end = month_start(start), month_start(end)
    check_period(program, start, end)
    same = {
        "requested_by": user,
        "program": program,
        "unit": unit,
        "start": start,
        "end": end,
        "format": format,
        "levels_below": levels_below,
    }
    with transaction.atomic():
        existing = ReportJob.objects.filter(**same, state__in=ACTIVE_STATES).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                job = ReportJob.objects.create(**same, language=language)
        except IntegrityError:  # the same request, made at the same instant
            return ReportJob.objects.get(**same, state__in=ACTIVE_STATES), False
        _enqueue(job)
    return job, True


def is_stuck(job: ReportJob, now: datetime.datetime | None = None) -> bool:
    """Active, but silent for REPORTS_STALE_AFTER (its worker died, or its message never left:
    the sweep takes it soon; the retry button need not wait)."""
    return lifecycle.is_stale(job, now or timezone.now(), settings.REPORTS_STALE_AFTER) or (
        job.state == State.QUEUED and job.dispatched_at is None and job.pk is not None
    )


def can_retry(job: ReportJob) -> bool:
    return job.state == State.FAILED or is_stuck(job)


def retry_job(job: ReportJob) -> ReportJob:
    """A failed or stuck job goes back to the queue, keeping its number and its place in the
    list (a job that moved meanwhile is left alone)."""
    with transaction.atomic():
        locked = ReportJob.objects.select_for_update().get(pk=job.pk)
        if can_retry(locked) and lifecycle.requeue(locked):
            _enqueue(locked)
    job.refresh_from_db()
    return job


def _hold_for_tests() -> None:
    """Tests only (settings.REPORTS_HOLD_FILE): wait while the file exists, so that a test can
    kill the worker while the job is running."""
    hold = getattr(settings, "REPORTS_HOLD_FILE", "")
    while hold and Path(hold).exists():
        time.sleep(0.2)


def _save_file(job: ReportJob, extension: str, data: bytes) -> str:
    name = job.stored_name(extension)
    if default_storage.exists(name):  # a previous attempt's file: replace, never "name_abc1"
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


def render_files(content: ReportContent, format: str) -> dict[str, bytes]:
    """The report's files by extension."""
    from reports.excel import build_workbook
    from reports.pdf import build_pdf

    files = {}
    if format in (Format.XLSX, Format.BOTH):
        files["xlsx"] = build_workbook(content)
    if format in (Format.PDF, Format.BOTH):
        files["pdf"] = build_pdf(content)
    return files


def run_job(job_id: int) -> str:
    """Makes the job's files. Safe to call again for the same job at any point: a done (or
    failed) job is left alone, and so is one another worker is running (its heartbeat is
    fresh: a second message of the same job, sent by the outbox or redelivered by the broker);
    a queued one, or a running one silent for REPORTS_STALE_AFTER (its worker died), is made
    from the start."""
    job = ReportJob.objects.select_related("program", "unit").filter(pk=job_id).first()
    if job is None:
        logger.warning("report job %s does not exist (deleted?): nothing to do", job_id)
        return "missing"
    if not lifecycle.claim_or_retake(
        job,
        State.RUNNING,
        claimable=[State.QUEUED],
        retakable=[State.RUNNING],
        after=settings.REPORTS_STALE_AFTER,
    ):
        return str(job.state)
    last = -1

    def progress(done: int, total: int) -> None:
        nonlocal last
        # 0-90% while computing; writing the files is the rest.
        percent = min(90, 90 * done // max(total, 1))
        if percent != last:
            last = percent
            lifecycle.beat(job, percent)
        if done == 1:
            _hold_for_tests()

    try:
        with translation.override(job.language):
            content = report_content(
                job.program,
                job.unit,
                job.start,
                job.end,
                levels=job.levels_below,
                progress=progress,
            )
            files = render_files(content, job.format)
        names = {ext: _save_file(job, ext, data) for ext, data in files.items()}
    except Exception as exc:
        logger.exception("report job %s failed", job_id)
        reason = _("Không tạo được báo cáo: %(error)s") % {"error": exc}
        lifecycle.fail(job, reason, only_from=[State.RUNNING])
        return "failed"
    lifecycle.finish(
        job, State.DONE, xlsx_file=names.get("xlsx", ""), pdf_file=names.get("pdf", "")
    )
    return "done"


def sweep_stuck_jobs(now: datetime.datetime | None = None) -> list[int]:
    """Jobs whose worker died (running, no heartbeat for REPORTS_STALE_AFTER seconds) and jobs
    queued as long with no worker taking them (a lost message) are queued again."""
    ids = lifecycle.sweep(
        ReportJob,
        after=settings.REPORTS_STALE_AFTER,
        enqueue=_enqueue,
        grace=settings.JOBS_DISPATCH_GRACE,
        lost_after=settings.JOBS_LOST_MESSAGE_AFTER,
        now=now,
    )
    if ids:
        logger.warning("re-queued or re-sent report jobs %s", ids)
    return ids


@dataclass(frozen=True)
class Due:
    start: datetime.date
    end: datetime.date


def due_period(schedule: ReportSchedule, today: datetime.date) -> Due | None:
    """The period a schedule's report covers this month: January to the month just ended (of
    the year that month is in), once its day has come; None before (and in January's first
    days, for December of last year, it is last year's whole year)."""
    if today.day < schedule.day:
        return None
    end = add_months(month_start(today), -1)
    start = datetime.date(end.year, 1, 1)
    program = schedule.program
    if end.year < program.start_year or start.year > program.end_year:
        return None
    return Due(start=start, end=end)


def run_schedules(today: datetime.date | None = None) -> list[ReportJob]:
    """The scheduled reports that are due and not made yet (one per schedule and period)."""
    today = today or timezone.localdate()
    made = []
    for schedule in ReportSchedule.objects.filter(active=True).select_related("program", "unit"):
        due = due_period(schedule, today)
        if due is None:
            continue
        with transaction.atomic():
            job, created = ReportJob.objects.get_or_create(
                schedule=schedule,
                start=due.start,
                end=due.end,
                defaults={
                    "program": schedule.program,
                    "unit": schedule.unit,
                    "format": schedule.format,
                },
            )
            if created:
                _enqueue(job)
                made.append(job)
    return made


def generate_now(
    *,
    program: Program,
    unit: Unit,
    start: datetime.date,
    end: datetime.date,
    format: str,
    levels_below: bool = False,
) -> dict[str, bytes]:
    """The report's files made here and now, with no job and no queue (the command line)."""
    start, end = month_start(start), month_start(end)
    check_period(program, start, end)
    with translation.override("vi"):
        content = report_content(program, unit, start, end, levels=levels_below)
        return render_files(content, format)
