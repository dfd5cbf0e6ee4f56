"""Celery tasks: thin shells over reports.services.

`generate_report` writes the job's heartbeat every JOBS_HEARTBEAT_SECONDS while it runs; a worker
that dies stops it, and the sweep (every JOBS_SWEEP_SECONDS, celery beat) sends the job again once
it has been silent for REPORTS_STALE_AFTER: recovery in tens of seconds, whatever the broker's
redelivery. The message is also acknowledged only at the end (acks_late) and rejected back to
the queue when a worker process dies (reject_on_worker_lost), a second way back; a message of
a job that is running elsewhere, or done, is a no-op (services.run_job).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from jobs import lifecycle
from reports import services
from reports.models import ReportJob


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def generate_report(self: Any, job_id: int) -> str:
    every = settings.JOBS_HEARTBEAT_SECONDS
    with lifecycle.heartbeat(ReportJob, job_id, every=every, enabled=not self.request.is_eager):
        return services.run_job(job_id)


@shared_task(ignore_result=True)
def sweep_stuck_jobs() -> list[int]:
    return services.sweep_stuck_jobs()


@shared_task(ignore_result=True)
def run_schedules() -> list[int]:
    return [job.pk for job in services.run_schedules()]
