"""The environment decides the database and the broker (settings are read at start-up, so each
case runs in a fresh interpreter)."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], "
    "s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, s.DEBUG]))"
)


def _settings_with(**env: str) -> list:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_quick_start_uses_sqlite_in_var_and_runs_tasks_in_process() -> None:
    engine, name, eager, broker, debug = _settings_with()

    assert engine == "django.db.backends.sqlite3"
    assert name.endswith("var/portal.sqlite3")
    assert (eager, broker, debug) == (True, "memory://", False)


def test_production_reads_postgres_and_redis_from_the_environment() -> None:
    engine, name, eager, broker, _debug = _settings_with(
        DATABASE_URL="postgres://portal:secret@db:5432/portal", REDIS_URL="redis://redis:6379/0"
    )

    assert (engine, name) == ("django.db.backends.postgresql", "portal")
    assert (eager, broker) == (False, "redis://redis:6379/0")
