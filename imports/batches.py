"""An upload's way through the portal: stored with its checksum, previewed, committed.

Small files are previewed and committed right in the request; a file above
settings.IMPORT_INLINE_ROWS goes to a Celery job (imports.tasks) that moves `progress`, which
the page polls; the batch moves from state to state through jobs.lifecycle. Every step can run
again safely: the stored file is read afresh and planned against the database as it is now, so
a commit never writes a stale preview.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from common import uploads
from imports import safety, services
from imports.models import BatchState, ImportBatch
from imports.parsed import ParsedFile
from imports.readers import read_file
from imports.readers.periods import parse_period
from jobs import lifecycle
from members.models import Unit
from programs.models import Program

logger = logging.getLogger(__name__)
KEPT = 2000  # lines of each list (errors, warnings, units x indicators) a batch keeps


def _suffix(name: str) -> str:
    return Path(name).suffix.lower()[:8]


def store_upload(
    *,
    user: User | None,
    upload: UploadedFile,
    unit: Unit | None,
    program: Program | None,
    period: str = "",
) -> tuple[ImportBatch, int]:
    """Checks the upload (safety) and keeps it; the batch and about how many rows it has."""
    name = Path(upload.name or "tep").name
    kind = uploads.check(upload, uploads.sheet_rules(), name=name)  # before a byte is kept
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(suffix=_suffix(upload.name or "")) as temp:
        for chunk in upload.chunks():
            digest.update(chunk)
            temp.write(chunk)
        temp.flush()
        rows = safety.count_rows(temp.name, kind)
        temp.seek(0)
        batch = ImportBatch(
            uploaded_by=user,
            original_name=name[:255],
            sha256=digest.hexdigest(),
            unit=unit,
            program=program,
            period=period,
            rows=rows,
        )
        batch.file.save(batch.original_name, File(temp), save=False)
    batch.save()
    return batch, rows


@contextmanager
def local_copy(batch: ImportBatch) -> Iterator[Path]:
    """The stored file as a local path (storage may be remote), removed afterwards."""
    with (
        tempfile.NamedTemporaryFile(suffix=_suffix(batch.original_name)) as temp,
        default_storage.open(batch.file.name, "rb") as stored,
    ):
        shutil.copyfileobj(stored, temp)
        temp.flush()
        yield Path(temp.name)


def read_batch(batch: ImportBatch) -> ParsedFile:
    period = parse_period(batch.period) if batch.period else None
    with local_copy(batch) as path:
        safety.check_file(path, name=batch.original_name)
        try:
            return read_file(path, unit=batch.unit, program=batch.program, period=period)
        except Exception as exc:  # a reader's crash on a malformed file is the file's fault
            logger.warning("import batch %s: unreadable file: %r", batch.pk, exc)
            raise safety.UnsafeFile(
                _("Không đọc được tệp (tệp hỏng hoặc sai định dạng): %(error)s")
                % {"error": exc.__class__.__name__}
            ) from exc


def _unexpected() -> str:
    return _("Lỗi không mong muốn khi xử lý tệp; không có gì được ghi. Đã ghi nhật ký lỗi.")


def _failed(batch: ImportBatch, reason: str) -> None:
    lifecycle.fail(batch, reason, progress=100)


def _planned(batch: ImportBatch) -> services.Plan | None:
    """Reads and plans the batch's file, recording what the preview found; None on failure."""
    try:
        parsed = read_batch(batch)
    except safety.UnsafeFile as exc:
        _failed(batch, str(exc))
        return None
    lifecycle.beat(batch, 30, shape=parsed.shape, rows=parsed.rows)
    try:
        plan = services.plan(
            parsed, lambda p: lifecycle.beat(batch, 30 + p // 2), within=batch.unit
        )
    except Exception:  # a bug must not leave the batch "previewing" forever
        logger.exception("import batch %s: preview failed", batch.pk)
        _failed(batch, _unexpected())
        return None
    lifecycle.beat(
        batch,
        # A 100,000-row file would make a JSON of megabytes: the batch keeps the first lines
        # of each list (the page shows fewer) and the totals.
        counts={
            **plan.counts,
            "errors": len(plan.errors),
            "warnings": len(plan.warnings),
            "groups": len(plan.groups),
        },
        errors=services.problem_dicts(plan.errors[:KEPT]),
        warnings=services.problem_dicts(plan.warnings[:KEPT], grouped=True),
        groups=services.groups_json(plan)[:KEPT],
        period=parsed.period.label if parsed.period else batch.period,
    )
    return plan


def run_preview(batch_id: int) -> str:
    """Reads and plans the file: a queued batch, or one whose preview went silent (its worker
    died); any other (previewed, committing, committed: a late second message) is left alone."""
    batch = ImportBatch.objects.select_related("unit", "program").get(pk=batch_id)
    if not lifecycle.claim_or_retake(
        batch,
        BatchState.PREVIEWING,
        claimable=[BatchState.QUEUED],
        retakable=[BatchState.PREVIEWING],
        after=settings.IMPORT_STALE_SECONDS,
        progress=5,
    ):
        return batch.state
    if _planned(batch) is not None:
        lifecycle.finish(batch, BatchState.PREVIEWED)
    return batch.state


def run_commit(batch_id: int, user_id: int | None) -> str:
    """Plans the file again against today's database and writes it, all or nothing."""
    batch = ImportBatch.objects.select_related("unit", "program").get(pk=batch_id)
    # Only one run commits a batch: a second click or a redelivered job finds it taken,
    # unless the run that took it stopped moving long ago (its worker died, and its
    # transaction with it: nothing was written).
    if not lifecycle.claim_or_retake(
        batch,
        BatchState.COMMITTING,
        claimable=[BatchState.PREVIEWED, BatchState.QUEUED],
        retakable=[BatchState.COMMITTING],
        after=settings.IMPORT_STALE_SECONDS,
        progress=5,
    ):
        return batch.state
    plan = _planned(batch)
    if plan is None:
        return batch.state
    user = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        counts = services.commit(plan, user=user, note=_("nhập từ tệp %(name)s") % {
            "name": batch.original_name})  # fmt: skip
    except services.ImportRefused as exc:
        lifecycle.finish(batch, BatchState.PREVIEWED, error=str(exc))
        return batch.state
    except DatabaseError as exc:  # rolled back as a whole: nothing of the file is written
        logger.exception("import batch %s: commit failed", batch.pk)
        _failed(batch, _("Ghi thất bại, không có gì được ghi (%(error)s).") % {"error": exc})
        return batch.state
    except Exception:  # rolled back too; the log has the details
        logger.exception("import batch %s: commit failed", batch.pk)
        _failed(batch, _unexpected())
        return batch.state
    lifecycle.finish(
        batch,
        BatchState.COMMITTED,
        counts={**batch.counts, **counts},
        committed_at=timezone.now(),
        error="",
    )
    return batch.state


def _in_job(rows: int) -> bool:
    return rows > settings.IMPORT_INLINE_ROWS


def start_preview(batch: ImportBatch, rows: int) -> None:
    if not _in_job(rows):
        run_preview(batch.pk)
        return
    transaction.on_commit(lambda: dispatch(batch))


def start_commit(batch: ImportBatch, user: User) -> None:
    """Commits now (small file) or queues the job; refuses a batch that cannot be committed."""
    if not batch.can_commit:
        raise services.ImportRefused(
            _("Lần nhập này không thể ghi (còn lỗi, không có gì để ghi, hoặc đã ghi).")
        )
    if not _in_job(batch.rows):
        run_commit(batch.pk, user.pk)
        return
    lifecycle.requeue(batch)
    ImportBatch.objects.filter(pk=batch.pk).update(step="commit", commit_by=user)
    batch.step, batch.commit_by = "commit", user
    transaction.on_commit(lambda: dispatch(batch))


def dispatch(batch: ImportBatch) -> bool:
    """Sends the batch's queued step to a worker through the outbox (jobs.lifecycle.dispatch):
    with the broker down it stays queued, and the sweep sends it when the broker is back."""
    from imports.tasks import commit_import, preview_import

    if batch.step == "commit":
        return lifecycle.dispatch(batch, lambda: commit_import.delay(batch.pk, batch.commit_by_id))
    return lifecycle.dispatch(batch, lambda: preview_import.delay(batch.pk))


def sweep_stuck_batches() -> list[int]:
    """Batches whose preview or commit went silent for IMPORT_STALE_SECONDS (the worker died;
    a commit's transaction died with it, nothing was written) run their step again; queued
    ones the broker never took are sent again."""

    def enqueue(batch: ImportBatch) -> None:
        transaction.on_commit(lambda: dispatch(batch))

    ids = lifecycle.sweep(
        ImportBatch,
        after=settings.IMPORT_STALE_SECONDS,
        enqueue=enqueue,
        grace=settings.JOBS_DISPATCH_GRACE,
        lost_after=settings.JOBS_LOST_MESSAGE_AFTER,
    )
    if ids:
        logger.warning("re-queued or re-sent import batches %s", ids)
    return ids


def is_stuck(batch: ImportBatch) -> bool:
    """Active but silent for IMPORT_STALE_SECONDS (its worker died), or queued and never taken
    by the broker (down when it was sent): the sweep takes it soon, the retry need not wait."""
    if lifecycle.is_stale(batch, timezone.now(), settings.IMPORT_STALE_SECONDS):
        return True
    return batch.state == BatchState.QUEUED and batch.dispatched_at is None


def can_retry(batch: ImportBatch) -> bool:
    return batch.state == BatchState.FAILED or is_stuck(batch)


def retry(batch: ImportBatch, user: User) -> bool:
    """A failed or stuck batch runs its step again (a commit's is planned afresh against the
    database as it is now); a batch that moved meanwhile is left alone."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not can_retry(locked) or not lifecycle.requeue(locked):
            return False
        if locked.step == "commit":
            ImportBatch.objects.filter(pk=locked.pk).update(commit_by=user)
            locked.commit_by = user
        transaction.on_commit(lambda: dispatch(locked))
    return True
