"""Celery tasks: thin shells over imports.batches (both safe to run twice). A run writes the
batch's heartbeat every JOBS_HEARTBEAT_SECONDS; the sweep (celery beat) re-sends a batch whose
run went silent (reports/tasks.py says more)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from imports import batches
from imports.models import ImportBatch
from jobs import lifecycle


def _heartbeat(task: Any, batch_id: int) -> Any:
    every = settings.JOBS_HEARTBEAT_SECONDS
    return lifecycle.heartbeat(
        ImportBatch, batch_id, every=every, enabled=not task.request.is_eager
    )


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def preview_import(self: Any, batch_id: int) -> str:
    with _heartbeat(self, batch_id):
        return batches.run_preview(batch_id)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def commit_import(self: Any, batch_id: int, user_id: int | None) -> str:
    with _heartbeat(self, batch_id):
        return batches.run_commit(batch_id, user_id)


@shared_task(ignore_result=True)
def sweep_stuck_batches() -> list[int]:
    return batches.sweep_stuck_batches()
