"""A Redis of a test's own (to stop and start it) and the test process's messages sent to it."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis


@contextmanager
def own_redis(folder: Path) -> Iterator[tuple[str, Callable[[], None], Callable[[], None]]]:
    """A redis-server of the test's own on a socket in `folder`: its URL, start and stop."""
    sock = folder / "redis.sock"
    servers: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        command = [
            shutil.which("redis-server") or "/usr/bin/redis-server", "--port", "0",
            "--unixsocket", str(sock), "--unixsocketperm", "700", "--save", "",
            "--appendonly", "no", "--dir", str(folder),
        ]  # fmt: skip
        servers.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
        ends = time.monotonic() + 20
        while time.monotonic() < ends:
            try:
                if redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        pytest.fail("the test's redis-server did not start")

    def stop() -> None:
        for server in servers:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=20)

    try:
        yield f"redis+socket://{sock}", start, stop
    finally:
        stop()


@contextmanager
def app_broker(url: str) -> Iterator[None]:
    """The test process sends its messages to `url` (its connection pools made afresh)."""
    from config.celery_app import app

    def reset() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    before = app.conf.CELERY_BROKER_URL
    app.conf.CELERY_BROKER_URL = url
    reset()
    try:
        yield
    finally:
        app.conf.CELERY_BROKER_URL = before
        reset()
