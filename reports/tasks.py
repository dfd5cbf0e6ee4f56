"""Celery tasks: thin shells over reports.services.

`generate_report` acknowledges its message only when it has finished (acks_late), and a worker
process that dies mid-job has its message rejected and requeued (reject_on_worker_lost); a whole
worker killed with SIGKILL leaves the message unacknowledged in Redis, which delivers it again
after the visibility timeout (settings.CELERY_VISIBILITY_TIMEOUT). Running a job twice is safe
(services.run_job).
"""

from __future__ import annotations

from celery import shared_task

from reports import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def generate_report(job_id: int) -> str:
    return services.run_job(job_id)


@shared_task(ignore_result=True)
def sweep_stuck_jobs() -> list[int]:
    return services.sweep_stuck_jobs()


@shared_task(ignore_result=True)
def run_schedules() -> list[int]:
    return [job.pk for job in services.run_schedules()]
