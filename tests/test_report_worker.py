"""Report jobs through a real Celery worker and Redis (started here, not mocked): a job
completes; a worker killed mid-job (SIGKILL) leaves the job to the next worker, which completes
it once Redis's visibility timeout has passed (acks_late).

The worker is a subprocess pointed at pytest-django's test database (transactional tests, so
that what the test writes is committed and visible to it). Redis is REDIS_URL's, or the
checkout's own that the test settings start."""

from __future__ import annotations

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
from openpyxl import load_workbook

from reports import services
from reports.models import Format, ReportJob, State
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


@contextmanager
def worker(log: Path, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """A `celery -A config worker` on the test database; stopped (or killed) on the way out."""
    environment = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
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


def test_a_job_whose_worker_is_killed_completes_after_a_restart(
    khanh_hoa, catalog, real_broker, tmp_path
) -> None:
    program = add_results(khanh_hoa)
    log = tmp_path / "worker.log"
    hold = tmp_path / "hold"
    hold.touch()  # the first worker stops after the job's first step, until killed
    short = {"CELERY_VISIBILITY_TIMEOUT": "3"}
    with worker(log, REPORTS_HOLD_FILE=str(hold), **short) as first:
        job = _request(khanh_hoa, program)
        job = _wait_for(job, log, State.RUNNING)
        first.send_signal(signal.SIGKILL)
        first.wait()
    job.refresh_from_db()
    assert (job.state, job.attempts) == (State.RUNNING, 1)  # the dead worker's job, unfinished

    hold.unlink()
    with worker(log, **short):
        job = _wait_for(job, log, State.DONE, State.FAILED)

    assert (job.state, job.attempts) == (State.DONE, 2)
    assert load_workbook(job.xlsx_file.open("rb"))["Tiến độ"].cell(row=10, column=5).value == 15
