"""The only writer of a job's lifecycle columns (jobs.models.Job), for every kind of job.

    queued --claim_or_retake/start--> <running state> --beat...--> finish (done) | fail (failed)
       ^                                    |
       +------ requeue / sweep (stale) -----+

Each step is one UPDATE of the job's row, guarded where two runs may race (a redelivered
message, a second click, the sweep): the guard is in the WHERE clause, so of two runs at most
one moves the row, and the function says whether it did. Every step writes the heartbeat, so
"stale" means the same everywhere: an active job that has not moved for `after` seconds (a
queued job that never moved counts from its creation). The states themselves belong to each kind
of job (a report runs in "running", an import in "previewing" or "committing"), so the steps
that enter one take it as an argument.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
from collections.abc import Callable, Collection, Iterator
from typing import Any

import kombu.exceptions
import redis.exceptions
from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from jobs.models import Job

logger = logging.getLogger(__name__)

# What sending a message raises when the broker cannot be reached (kombu wraps most of them).
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
)

# What a step may change on the job object it was given, reloaded when the row did not move.
LIFECYCLE_FIELDS = (
    "state",
    "progress",
    "error",
    "attempts",
    "started_at",
    "finished_at",
    "heartbeat_at",
)


def _rows[J: Job](job: J) -> QuerySet[J]:
    return type(job)._default_manager.filter(pk=job.pk)


def _write[J: Job](job: J, rows: QuerySet[J], fields: dict[str, Any]) -> bool:
    """Updates the guarded rows; the object follows the row (the values written, or the row
    as it is when the guard kept it from moving)."""
    moved = rows.update(**fields) > 0
    if not moved:
        with contextlib.suppress(ObjectDoesNotExist):  # deleted meanwhile: nothing to follow
            job.refresh_from_db(fields=LIFECYCLE_FIELDS)
        return False
    expressions = [name for name, value in fields.items() if hasattr(value, "resolve_expression")]
    for name, value in fields.items():
        if name not in expressions:
            setattr(job, name, value)
    if expressions:
        job.refresh_from_db(fields=expressions)
    return True


def stale_limit(now: datetime.datetime, after: int) -> datetime.datetime:
    return now - datetime.timedelta(seconds=after)


def stale_q(model: type[Job], limit: datetime.datetime) -> Q:
    """Active jobs of `model` with no sign of life since `limit`: a running one whose heartbeat
    is older (or missing: a run always writes one), a queued one moved last before it (or, never
    moved, created before it)."""
    running_states = [state for state in model.ACTIVE_STATES if state != model.QUEUED]
    moved_before = Q(heartbeat_at__lt=limit)
    running = Q(state__in=running_states) & (moved_before | Q(heartbeat_at__isnull=True))
    never_moved = Q(heartbeat_at__isnull=True, created_at__lt=limit)
    queued = Q(state=model.QUEUED) & (moved_before | never_moved)
    return running | queued


def is_stale(job: Job, now: datetime.datetime, after: int) -> bool:
    """Whether `job` has lost its worker (or its message): `stale_q` for one object."""
    if not job.is_active:
        return False
    limit = stale_limit(now, after)
    if job.heartbeat_at is not None:
        return job.heartbeat_at < limit
    return job.state != job.QUEUED or job.created_at < limit


def _started(state: str, progress: int, now: datetime.datetime) -> dict[str, Any]:
    return {
        "state": state,
        "progress": progress,
        "error": "",
        "attempts": F("attempts") + 1,
        "started_at": now,
        "finished_at": None,
        "heartbeat_at": now,
    }


def start[J: Job](
    job: J, state: str, *, progress: int = 0, now: datetime.datetime | None = None
) -> None:
    """A run begins, whatever the job's state (a step of a run that owns it already)."""
    _write(job, _rows(job), _started(state, progress, now or timezone.now()))


def claim_or_retake[J: Job](
    job: J,
    state: str,
    *,
    claimable: Collection[str],
    retakable: Collection[str] = (),
    after: int = 0,
    progress: int = 0,
    now: datetime.datetime | None = None,
) -> bool:
    """Takes the job for a run in `state`, exactly once: only if it is in `claimable`, or in
    `retakable` and stale for `after` seconds (the run that held it died). Of two runs asking
    at once, one gets True; the other gets False and the job as it is now."""
    now = now or timezone.now()
    free = Q(state__in=claimable) | (
        Q(state__in=retakable) & stale_q(type(job), stale_limit(now, after))
    )
    return _write(job, _rows(job).filter(free), _started(state, progress, now))


def beat[J: Job](
    job: J, progress: int | None = None, *, now: datetime.datetime | None = None, **fields: Any
) -> None:
    """The run is alive: the heartbeat, the progress if given, and what the run found so far."""
    if progress is not None:
        fields["progress"] = progress
    _write(job, _rows(job), {**fields, "heartbeat_at": now or timezone.now()})


def finish[J: Job](
    job: J, state: str, *, now: datetime.datetime | None = None, **fields: Any
) -> bool:
    """The run ends well in `state` (100%, with what it made); a job already there is left as
    it is (a second run's end does not write over the first's)."""
    now = now or timezone.now()
    ended = {"progress": 100, **fields, "state": state, "finished_at": now, "heartbeat_at": now}
    return _write(job, _rows(job).exclude(state=state), ended)


def fail[J: Job](
    job: J,
    error: str,
    *,
    only_from: Collection[str] | None = None,
    now: datetime.datetime | None = None,
    **fields: Any,
) -> bool:
    """The run ends in "failed" with a reason for the user; `only_from` the states it may fail
    from (a job requeued by the sweep meanwhile is not failed by its old run)."""
    now = now or timezone.now()
    rows = _rows(job) if only_from is None else _rows(job).filter(state__in=only_from)
    ended = {**fields, "state": job.FAILED, "error": error, "finished_at": now, "heartbeat_at": now}
    return _write(job, rows, ended)


def requeue[J: Job](
    job: J, *, only_from: Collection[str] | None = None, now: datetime.datetime | None = None
) -> bool:
    """Back to "queued" from the start (a retry, a stale job swept); the heartbeat is the
    moment it was queued, so the sweep gives its new message the full time."""
    rows = _rows(job) if only_from is None else _rows(job).filter(state__in=only_from)
    queued = {
        "state": job.QUEUED,
        "progress": 0,
        "error": "",
        "finished_at": None,
        "heartbeat_at": now or timezone.now(),
        "dispatched_at": None,
    }
    return _write(job, rows, queued)


def dispatch[J: Job](job: J, send: Callable[[], object]) -> bool:
    """Sends the job's message (`send`) and records that the broker took it (the outbox's
    acknowledgement). The broker unreachable: False, and the job stays queued without the
    acknowledgement, for the sweep to send again once the broker is back. Nothing is lost."""
    try:
        send()
    except BROKER_ERRORS as exc:
        logger.warning(
            "%s %s: broker unreachable, left for the sweep: %r", job._meta.label, job.pk, exc
        )
        return False
    now = timezone.now()
    _rows(job).filter(dispatched_at__isnull=True).update(dispatched_at=now)
    job.dispatched_at = now
    return True


def undelivered_q(model: type[Job], now: datetime.datetime, *, grace: int, lost_after: int) -> Q:
    """Queued jobs whose message must be sent again: never acknowledged by the broker (`grace`
    seconds after they were queued, so that a request's own sending is not raced), or
    acknowledged `lost_after` seconds ago and still not taken (the message was lost)."""
    queued_before = Q(heartbeat_at__lt=stale_limit(now, grace)) | Q(
        heartbeat_at__isnull=True, created_at__lt=stale_limit(now, grace)
    )
    never_sent = Q(dispatched_at__isnull=True) & queued_before
    lost = Q(dispatched_at__lt=stale_limit(now, lost_after))
    return Q(state=model.QUEUED) & (never_sent | lost)


@contextlib.contextmanager
def heartbeat(model: type[Job], pk: int, *, every: float, enabled: bool = True) -> Iterator[None]:
    """While the body runs, a thread writes the job's heartbeat every `every` seconds (only
    while the job is in a running state), so that a long step (a PDF, a commit's transaction)
    never looks like a dead worker, and a dead worker stops the heartbeat at once."""
    if not enabled:
        yield
        return
    running = [state for state in model.ACTIVE_STATES if state != model.QUEUED]
    stop = threading.Event()

    def beat_until_stopped() -> None:
        try:
            while not stop.wait(every):
                rows = model._default_manager.filter(pk=pk, state__in=running)
                rows.update(heartbeat_at=timezone.now())
        except Exception:  # a missed beat only makes the job look stale sooner
            logger.exception("heartbeat of %s %s stopped", model._meta.label, pk)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat_until_stopped, name=f"heartbeat-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 10)


def sweep[J: Job](
    model: type[J],
    *,
    after: int,
    enqueue: Callable[[J], None],
    grace: int = 10,
    lost_after: int = 15 * 60,
    now: datetime.datetime | None = None,
) -> list[int]:
    """Requeues every job of `model` whose run stopped beating for `after` seconds, and sends
    again the queued jobs the broker never took (the outbox, `undelivered_q`); each goes to
    `enqueue` (which sends its message on commit). Rows another sweep holds are skipped, so two
    sweeps never requeue a job twice."""
    now = now or timezone.now()
    running = [state for state in model.ACTIVE_STATES if state != model.QUEUED]
    dead = Q(state__in=running) & stale_q(model, stale_limit(now, after))
    undelivered = undelivered_q(model, now, grace=grace, lost_after=lost_after)
    swept = []
    with transaction.atomic():
        rows = model._default_manager.filter(dead | undelivered).order_by("pk")
        for job in rows.select_for_update(skip_locked=True):
            if job.state != model.QUEUED:
                requeue(job, now=now)
            enqueue(job)
            swept.append(job.pk)
    return swept
