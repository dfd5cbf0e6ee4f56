"""Celery tasks: thin shells over imports.batches (both safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from imports import batches


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def preview_import(batch_id: int) -> str:
    return batches.run_preview(batch_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def commit_import(batch_id: int, user_id: int | None) -> str:
    return batches.run_commit(batch_id, user_id)
