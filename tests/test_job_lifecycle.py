"""The one job lifecycle (jobs.lifecycle) on both kinds of job, report and import batch:
start, beat, finish and fail; retry; stale detection; a job taken exactly once, and retaken
once when the run that held it went silent; the sweep of stale jobs."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import kombu.exceptions
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from imports.models import BatchState, ImportBatch
from jobs import lifecycle
from jobs.models import Job
from reports.models import Format, ReportJob, State
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime.datetime(2025, 7, 1, 8, 0, tzinfo=datetime.UTC)


def _seconds(n: int) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=n)


@dataclass(frozen=True)
class Kind:
    model: type[Job]
    running: str  # the state a run holds the job in
    done: str  # the state a run that went well leaves it in
    make: Callable[[object], Job]


def _report(khanh_hoa: object) -> Job:
    return ReportJob.objects.create(
        program=factories.ProgramFactory(),
        unit=khanh_hoa.province,
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2025, 6, 1),
        format=Format.XLSX,
    )


def _batch(khanh_hoa: object) -> Job:
    return ImportBatch.objects.create(
        original_name="ket-qua.csv",
        sha256="0" * 64,
        file="imports/ket-qua.csv",
        unit=khanh_hoa.province,
    )


KINDS = {
    "report": Kind(ReportJob, State.RUNNING, State.DONE, _report),
    "import": Kind(ImportBatch, BatchState.COMMITTING, BatchState.COMMITTED, _batch),
}


@pytest.fixture(params=KINDS.values(), ids=KINDS.keys())
def kind(request: pytest.FixtureRequest) -> Kind:
    return request.param


@pytest.fixture
def job(kind: Kind, khanh_hoa: object) -> Job:
    return kind.make(khanh_hoa)


def _stored(job: Job) -> Job:
    return type(job)._default_manager.get(pk=job.pk)


def test_a_new_job_is_queued_and_active(job: Job) -> None:
    assert (job.state, job.progress, job.attempts, job.is_active) == ("queued", 0, 0, True)
    assert (job.started_at, job.finished_at, job.heartbeat_at) == (None, None, None)


def test_a_run_starts_beats_and_finishes(kind: Kind, job: Job) -> None:
    lifecycle.start(job, kind.running, progress=5, now=T0)
    stored = _stored(job)
    assert (stored.state, stored.progress, stored.attempts) == (kind.running, 5, 1)
    assert stored.started_at == stored.heartbeat_at == T0
    assert (job.state, job.attempts) == (kind.running, 1)  # the object follows the row

    lifecycle.beat(job, 40, now=_seconds(10))
    stored = _stored(job)
    assert (stored.progress, stored.heartbeat_at, stored.started_at) == (40, _seconds(10), T0)

    assert lifecycle.finish(job, kind.done, now=_seconds(20))
    stored = _stored(job)
    assert (stored.state, stored.progress, stored.finished_at) == (kind.done, 100, _seconds(20))
    assert not stored.is_active

    # A second run's end does not write over the first's.
    assert not lifecycle.finish(job, kind.done, now=_seconds(30))
    assert _stored(job).finished_at == _seconds(20)


def test_beat_writes_what_the_run_found_with_the_heartbeat(job: Job) -> None:
    lifecycle.start(job, "queued", now=T0)
    if isinstance(job, ImportBatch):
        lifecycle.beat(job, 30, now=_seconds(5), rows=12, shape="long")
        assert (_stored(job).rows, job.rows) == (12, 12)
    else:
        lifecycle.beat(job, 30, now=_seconds(5), language="en")
        assert _stored(job).language == "en"
    assert (_stored(job).progress, _stored(job).heartbeat_at) == (30, _seconds(5))


def test_a_failed_run_keeps_its_reason_until_it_is_queued_again(kind: Kind, job: Job) -> None:
    lifecycle.start(job, kind.running, now=T0)
    lifecycle.beat(job, 40, now=_seconds(5))
    assert lifecycle.fail(job, "ổ đĩa đầy", now=_seconds(10))
    stored = _stored(job)
    assert (stored.state, stored.error, stored.finished_at) == ("failed", "ổ đĩa đầy", _seconds(10))
    assert stored.progress == 40  # where it stopped, unless the kind says otherwise

    assert lifecycle.requeue(job, only_from=["failed"], now=_seconds(20))
    stored = _stored(job)
    assert (stored.state, stored.progress, stored.error, stored.finished_at) == (
        "queued",
        0,
        "",
        None,
    )
    assert stored.heartbeat_at == _seconds(20)  # the sweep gives the new message its full time
    assert not lifecycle.requeue(job, only_from=["failed"])  # a second click: nothing


def test_the_next_run_starts_clean_and_counts(kind: Kind, job: Job) -> None:
    lifecycle.start(job, kind.running, now=T0)
    lifecycle.fail(job, "lỗi", now=_seconds(1))
    lifecycle.requeue(job, now=_seconds(2))
    lifecycle.start(job, kind.running, now=_seconds(3))
    stored = _stored(job)
    assert (stored.attempts, stored.error, stored.finished_at) == (2, "", None)


def test_an_old_run_does_not_fail_a_job_requeued_meanwhile(kind: Kind, job: Job) -> None:
    lifecycle.start(job, kind.running, now=T0)
    lifecycle.requeue(job, now=_seconds(100))  # the sweep found it silent
    assert not lifecycle.fail(job, "lỗi", only_from=[kind.running])
    assert (_stored(job).state, job.state) == ("queued", "queued")  # the object follows too


def test_stale_means_silent_for_longer_than_the_limit(kind: Kind, job: Job) -> None:
    type(job)._default_manager.filter(pk=job.pk).update(created_at=T0)
    job.refresh_from_db()
    # Queued and never moved: counted from its creation (a lost message).
    assert not lifecycle.is_stale(job, _seconds(60), 60)
    assert lifecycle.is_stale(job, _seconds(61), 60)
    # Running: counted from its heartbeat.
    lifecycle.start(job, kind.running, now=_seconds(50))
    assert not lifecycle.is_stale(job, _seconds(110), 60)
    assert lifecycle.is_stale(job, _seconds(111), 60)
    # Running with no heartbeat at all has lost its worker (a run always writes one).
    job.heartbeat_at = None
    assert lifecycle.is_stale(job, _seconds(51), 60)
    # An ended job is never stale: there is nothing left to do.
    lifecycle.finish(job, kind.done, now=_seconds(60))
    assert not lifecycle.is_stale(job, _seconds(10_000), 60)


def test_the_query_and_the_object_agree_on_staleness(kind: Kind, khanh_hoa: object) -> None:
    model = kind.model
    jobs = [kind.make(khanh_hoa) for _ in range(6)]
    model._default_manager.update(created_at=T0)
    lifecycle.start(jobs[1], kind.running, now=T0)
    lifecycle.start(jobs[2], kind.running, now=_seconds(100))
    model._default_manager.filter(pk=jobs[3].pk).update(state=kind.running)  # no heartbeat
    lifecycle.requeue(jobs[4], now=_seconds(100))
    lifecycle.start(jobs[5], kind.running, now=T0)
    lifecycle.fail(jobs[5], "lỗi", now=T0)
    now, after = _seconds(120), 60
    in_query = set(
        model._default_manager.filter(
            lifecycle.stale_q(model, lifecycle.stale_limit(now, after))
        ).values_list("pk", flat=True)
    )
    by_object = {j.pk for j in model._default_manager.all() if lifecycle.is_stale(j, now, after)}
    assert in_query == by_object == {jobs[0].pk, jobs[1].pk, jobs[3].pk}


def test_a_job_is_claimed_exactly_once(kind: Kind, job: Job) -> None:
    assert lifecycle.claim_or_retake(job, kind.running, claimable=["queued"], now=T0)
    other = _stored(job)  # the same job, as a second delivery of its message sees it
    assert not lifecycle.claim_or_retake(other, kind.running, claimable=["queued"], now=T0)
    assert (_stored(job).attempts, other.state) == (1, kind.running)


def test_a_silent_run_is_retaken_once_and_a_live_one_never(kind: Kind, job: Job) -> None:
    def retake(at: datetime.datetime) -> bool:
        return lifecycle.claim_or_retake(
            _stored(job),
            kind.running,
            claimable=["queued"],
            retakable=[kind.running],
            after=60,
            now=at,
        )

    assert retake(T0)  # taken
    lifecycle.beat(job, 50, now=_seconds(30))
    assert not retake(_seconds(90))  # it moved 60 s ago: may still be writing
    assert retake(_seconds(91))  # silent for longer: its worker died
    assert not retake(_seconds(91))  # the retaking run holds it now
    stored = _stored(job)
    assert (stored.attempts, stored.progress, stored.heartbeat_at) == (2, 0, _seconds(91))


def test_of_many_runs_at_once_one_takes_the_job(kind: Kind, job: Job) -> None:
    """Eight deliveries racing on their own connections: the guarded UPDATE lets one through."""
    barrier = threading.Barrier(8)
    taken: list[bool] = []

    def deliver() -> None:
        try:
            mine = _stored(job)
            barrier.wait()
            taken.append(lifecycle.claim_or_retake(mine, kind.running, claimable=["queued"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == [False] * 7 + [True]
    assert _stored(job).attempts == 1


def test_the_sweep_requeues_each_stale_job_once(kind: Kind, khanh_hoa: object) -> None:
    silent, alive, done = (kind.make(khanh_hoa) for _ in range(3))
    lifecycle.start(silent, kind.running, now=T0)
    lifecycle.beat(silent, 70, now=_seconds(10))
    lifecycle.start(alive, kind.running, now=_seconds(100))
    lifecycle.start(done, kind.running, now=T0)
    lifecycle.finish(done, kind.done, now=_seconds(5))
    sent: list[Job] = []

    assert lifecycle.sweep(kind.model, after=60, enqueue=sent.append, now=_seconds(120)) == [
        silent.pk
    ]
    assert [j.pk for j in sent] == [silent.pk]
    stored = _stored(silent)
    assert (stored.state, stored.progress, stored.heartbeat_at) == ("queued", 0, _seconds(120))
    assert lifecycle.sweep(kind.model, after=60, enqueue=sent.append, now=_seconds(121)) == []
    assert (_stored(alive).state, _stored(done).state) == (kind.running, kind.done)


def test_existing_batches_keep_their_reason_and_last_move() -> None:
    """The migration that made ImportBatch a Job renames failure -> error and updated_at ->
    heartbeat_at, and gives a batch that had ended its last move as finished_at."""
    executor = MigrationExecutor(connection)
    before, after = (
        [("imports", "0002_batch_updated_at")],
        [("imports", "0003_batch_job_lifecycle")],
    )
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("imports", "ImportBatch")
    failed = old.objects.create(
        original_name="a.csv", sha256="a", state="failed", failure="hỏng", updated_at=T0
    )
    running = old.objects.create(
        original_name="b.csv", sha256="b", state="committing", updated_at=T0
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()
    new = executor.loader.project_state(after).apps.get_model("imports", "ImportBatch")
    failed, running = new.objects.get(pk=failed.pk), new.objects.get(pk=running.pk)
    assert (failed.error, failed.heartbeat_at, failed.finished_at) == ("hỏng", T0, T0)
    assert (running.heartbeat_at, running.finished_at, running.attempts) == (T0, None, 0)
    # And the latest state again, for the tests that follow.
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_a_message_the_broker_did_not_take_leaves_the_job_for_the_sweep(job: Job) -> None:
    def broker_down() -> None:
        raise kombu.exceptions.OperationalError("Error 111 connecting to redis. Refused.")

    assert not lifecycle.dispatch(job, broker_down)
    assert (_stored(job).state, _stored(job).dispatched_at) == ("queued", None)
    sent: list[int] = []
    assert lifecycle.dispatch(job, lambda: sent.append(job.pk))
    assert sent == [job.pk] and _stored(job).dispatched_at is not None


def test_the_sweep_sends_again_the_queued_jobs_the_broker_never_took(
    kind: Kind, khanh_hoa: object
) -> None:
    unsent, sent_ok, lost = (kind.make(khanh_hoa) for _ in range(3))
    for job in (unsent, sent_ok, lost):
        lifecycle.requeue(job, now=T0)
    type(sent_ok)._default_manager.filter(pk=sent_ok.pk).update(dispatched_at=_seconds(50))
    type(lost)._default_manager.filter(pk=lost.pk).update(dispatched_at=_seconds(1))
    sent: list[Job] = []

    def sweep(at: int) -> list[int]:
        return lifecycle.sweep(
            kind.model, after=60, enqueue=sent.append, grace=10, lost_after=100, now=_seconds(at)
        )

    assert sweep(5) == []  # the request's own sending is not raced
    assert sweep(20) == [unsent.pk]  # the broker was down when it was asked for
    assert sweep(110) == [unsent.pk, lost.pk]  # and a message taken but never run: lost
    # Re-sent, not requeued: still queued, never started.
    assert (_stored(unsent).state, _stored(unsent).attempts) == ("queued", 0)
    assert [j.pk for j in sent] == [unsent.pk, unsent.pk, lost.pk]


def test_a_running_job_beats_while_its_run_is_busy(job: Job, kind: Kind) -> None:
    lifecycle.start(job, kind.running, now=T0)
    with lifecycle.heartbeat(type(job), job.pk, every=0.2):
        time.sleep(1)
    beaten = _stored(job).heartbeat_at
    assert beaten is not None and beaten > T0 + datetime.timedelta(days=1)
    lifecycle.finish(job, kind.done, now=_seconds(10))
    with lifecycle.heartbeat(type(job), job.pk, every=0.2):
        time.sleep(0.5)
    assert _stored(job).heartbeat_at == _seconds(10)  # an ended job is not beaten


def test_a_second_message_of_a_running_job_is_refused_until_it_is_silent(
    job: Job, kind: Kind
) -> None:
    lifecycle.claim_or_retake(job, kind.running, claimable=["queued"], now=T0)

    def again(at: int) -> bool:
        return lifecycle.claim_or_retake(
            job, kind.running, claimable=["queued"], retakable=[kind.running], after=30,
            now=_seconds(at),
        )  # fmt: skip

    assert not again(20)  # the first run is alive: nothing twice
    assert again(31)  # its worker died: the second run takes over
    assert _stored(job).attempts == 2
