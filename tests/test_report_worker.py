"""Report jobs through a real Celery worker and Redis (started here, not mocked): a job
completes; a worker killed mid-job (SIGKILL) leaves the job to the next worker, which completes
it within tens of seconds (its heartbeat stopped; beat's sweep re-sends it), whatever Redis's
visibility timeout; a job asked for while the broker is down (a Redis of the test's own,
stopped) is kept queued with a Vietnamese message and done once the broker is back (the outbox).

The worker is a subprocess pointed at pytest-django's test database (transactional tests, so
that what the test writes is committed and visible to it). Redis is REDIS_URL's, or the
checkout's own that the test settings start."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from reports import services
from reports.models import Format, ReportJob, State
from tests.brokers import app_broker, own_redis
from tests.report_data import add_results, month

pytestmark = pytest.mark.django_db(transaction=True)

# Generous ceilings so that a slow machine does not fail the test; nothing here measures time.
DEADLINE = 180


def _test_database_url() -> str:
    """pytest-django's test database, on a TCP host or a Unix socket folder."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{quote(db['USER'])}{password}@{host}{port}/{db['NAME']}"


@pytest.fixture
def real_broker() -> Iterator[None]:
    """Tasks go to Redis (the autouse fixture made them eager); the queue starts empty."""
    from config.celery_app import app

    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    yield


# A worker with beat inside, on quick clocks: heartbeat every second, a sweep every 2 s, a job
# silent for 6 s taken for dead (production: 5 s, 15 s, 30 s).
QUICK = {
    "JOBS_HEARTBEAT_SECONDS": "1",
    "JOBS_SWEEP_SECONDS": "2",
    "JOBS_DISPATCH_GRACE": "1",
    "REPORTS_STALE_AFTER": "6",
}


@contextmanager
def worker(
    log: Path, *, beat: bool = False, broker: str = "", **env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A `celery -A config worker` on the test database (with beat inside when `beat`);
    stopped (or killed) on the way out."""
    environment = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": broker or settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        **env,
    }
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
        "--without-mingle", "--without-gossip", "-l", "info", "-n", name,
    ]  # fmt: skip
    if beat:
        command += ["-B", "-s", str(log.with_name(f"beat-{uuid.uuid4().hex[:8]}"))]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for(job: ReportJob, log: Path, *states: str) -> ReportJob:
    ends = time.monotonic() + DEADLINE
    while time.monotonic() < ends:
        job.refresh_from_db()
        if job.state in states:
            return job
        time.sleep(0.2)
    pytest.fail(f"job still {job.state}; worker log:\n{log.read_text()[-4000:]}")


def _request(khanh_hoa, program) -> ReportJob:
    job, created = services.request_report(
        user=khanh_hoa.province_reviewer,
        program=program,
        unit=khanh_hoa.province,
        start=month("2025-01"),
        end=month("2025-06"),
        format=Format.BOTH,
    )
    assert created
    return job


def test_a_real_worker_completes_a_job(khanh_hoa, catalog, real_broker, tmp_path) -> None:
    program = add_results(khanh_hoa)
    log = tmp_path / "worker.log"
    with worker(log):
        job = _request(khanh_hoa, program)
        assert job.state == State.QUEUED
        job = _wait_for(job, log, State.DONE, State.FAILED)

    assert (job.state, job.progress, job.attempts, job.error) == (State.DONE, 100, 1, "")
    sheet = load_workbook(job.xlsx_file.open("rb"))["Tiến độ"]
    assert sheet.cell(row=10, column=5).value == 15  # 939-01 for the province, as the engine
    assert job.pdf_file.open("rb").read(5) == b"%PDF-"


def _values(workbook_bytes: bytes) -> dict[str, list[tuple[object, ...]]]:
    workbook = load_workbook(io.BytesIO(workbook_bytes))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}


def _clean_run(program) -> dict[str, list[tuple[object, ...]]]:
    job = ReportJob.objects.get()
    files = services.generate_now(
        program=program, unit=job.unit, start=job.start, end=job.end, format=Format.XLSX
    )
    return _values(files["xlsx"])


def test_a_job_whose_worker_is_killed_completes_within_seconds_after_a_restart(
    khanh_hoa, catalog, real_broker, tmp_path
) -> None:
    """Redis would hand the message out again only after two hours (the visibility timeout
    left as in production): the heartbeat and beat's sweep bring the job back."""
    program = add_results(khanh_hoa)
    log = tmp_path / "worker.log"
    hold = tmp_path / "hold"
    hold.touch()  # the first worker stops after the job's first step, until killed
    with worker(log, REPORTS_HOLD_FILE=str(hold), **QUICK) as first:
        job = _request(khanh_hoa, program)
        job = _wait_for(job, log, State.RUNNING)
        time.sleep(2.5)  # the heartbeat thread beats while the run is held
        job.refresh_from_db()
        assert job.heartbeat_at is not None and job.heartbeat_at > job.started_at
        first.send_signal(signal.SIGKILL)
        first.wait()
    killed = time.monotonic()
    job.refresh_from_db()
    assert (job.state, job.attempts) == (State.RUNNING, 1)  # the dead worker's job, unfinished

    hold.unlink()
    with worker(log, beat=True, **QUICK):
        job = _wait_for(job, log, State.DONE, State.FAILED)
    recovered = time.monotonic() - killed

    assert (job.state, job.attempts) == (State.DONE, 2)
    assert recovered < 60, f"recovered in {recovered:.0f} s"
    made = job.xlsx_file.open("rb").read()
    assert _values(made) == _clean_run(program)  # the same report as a run never killed


def test_a_report_asked_for_while_the_broker_is_down_is_made_when_it_is_back(
    khanh_hoa, catalog, real_broker, tmp_path
) -> None:
    program = add_results(khanh_hoa)
    log = tmp_path / "worker.log"
    client = Client()
    client.force_login(khanh_hoa.province_reviewer)
    with own_redis(tmp_path) as (url, start, stop), app_broker(url):
        start()
        stop()  # the broker goes down

        page = client.post(
            reverse("reports:report_list"),
            {
                "program": program.pk,
                "unit": khanh_hoa.province.pk,
                "start": "2025-01",
                "end": "2025-06",
                "format": "xlsx",
            },
            follow=True,
        )
        assert page.status_code == 200
        text = page.content.decode()
        assert "Hàng đợi xử lý nền tạm thời không kết nối được" in text
        assert "không có gì bị mất" in text
        job = ReportJob.objects.get()
        assert (job.state, job.dispatched_at) == (State.QUEUED, None)
        # The job's page says so too, and offers the retry.
        detail = client.get(reverse("reports:report_detail", args=[job.pk])).content.decode()
        assert 'id="job-stuck"' in detail and 'id="retry"' in detail

        start()  # the broker is back, empty: the message was never sent
        with worker(log, beat=True, broker=url, **QUICK):
            job = _wait_for(job, log, State.DONE, State.FAILED)

    assert (job.state, job.attempts) == (State.DONE, 1)
    assert job.dispatched_at is not None
    assert _values(job.xlsx_file.open("rb").read()) == _clean_run(program)
