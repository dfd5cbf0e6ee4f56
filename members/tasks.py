"""Celery tasks of the member register: thin shells over its modules."""

from __future__ import annotations

from celery import shared_task

from members import import_files


@shared_task(ignore_result=True)
def sweep_import_files() -> int:
    """Deletes member import files past MEMBER_IMPORT_FILE_SECONDS (members.import_files)."""
    return import_files.sweep_expired()
