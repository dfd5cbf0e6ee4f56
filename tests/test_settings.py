"""The environment decides the database and the broker (settings are read at start-up, so each
case runs in a fresh interpreter)."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.DATABASES['default']['ENGINE'], s.DATABASES['default']['HOST'], "
    "s.DATABASES['default']['NAME'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, s.DEBUG]))"
)


def _settings(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, "DJANGO_SETTINGS_MODULE": f"config.settings.{module}", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )


def _values(module: str, **env: str) -> list:
    result = _settings(module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_quick_start_uses_the_checkouts_own_postgresql_and_runs_tasks_in_process() -> None:
    engine, host, name, eager, broker, debug = _values("local")

    assert engine == "django.db.backends.postgresql"
    assert host == str(settings.BASE_DIR / "var" / "postgres")  # a Unix socket, no TCP port
    assert name == "hoilhpn"
    assert (eager, broker, debug) == (True, "memory://", False)


def test_local_settings_take_the_servers_named_in_the_environment() -> None:
    engine, host, name, eager, broker, _debug = _values(
        "local",
        DATABASE_URL="postgres://portal:secret@db:5432/portal",
        REDIS_URL="redis://redis:6379/0",
    )

    assert (engine, host, name) == ("django.db.backends.postgresql", "db", "portal")
    assert (eager, broker) == (False, "redis://redis:6379/0")


def test_production_reads_postgres_and_redis_from_the_environment() -> None:
    engine, host, name, eager, broker, _debug = _values(
        "production",
        SECRET_KEY="x" * 60,
        DATABASE_URL="postgres://portal:secret@db:5432/portal",
        REDIS_URL="redis://redis:6379/0",
    )

    assert (engine, host, name) == ("django.db.backends.postgresql", "db", "portal")
    assert (eager, broker) == (False, "redis://redis:6379/0")


def test_production_refuses_to_start_without_its_database() -> None:
    result = _settings("production", SECRET_KEY="x" * 60, REDIS_URL="redis://redis:6379/0")

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_the_tests_run_on_postgresql_and_a_real_redis() -> None:
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CELERY_BROKER_URL.startswith(("redis://", "redis+socket://"))


def test_test_only_knobs_stay_out_of_production() -> None:
    source = (settings.BASE_DIR / "config" / "settings" / "production.py").read_text()
    base = (settings.BASE_DIR / "config" / "settings" / "base.py").read_text()

    for knob in ("REPORTS_HOLD_FILE", "MD5PasswordHasher", "WHITENOISE_AUTOREFRESH"):
        assert knob not in source + base


def test_connections_are_checked_and_jobs_recover_within_a_minute() -> None:
    """Every environment's database checks a kept connection before reusing it; a dead job is
    noticed in tens of seconds (a heartbeat a few times within the stale limit, a sweep more
    often than that), not after the broker's two-hour redelivery."""
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.JOBS_HEARTBEAT_SECONDS * 3 <= settings.REPORTS_STALE_AFTER <= 60
    assert settings.JOBS_HEARTBEAT_SECONDS * 3 <= settings.IMPORT_STALE_SECONDS <= 60
    assert settings.JOBS_SWEEP_SECONDS <= 30
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["reports.tasks.sweep_stuck_jobs"] == settings.JOBS_SWEEP_SECONDS
    assert schedule["imports.tasks.sweep_stuck_batches"] == settings.JOBS_SWEEP_SECONDS
    assert settings.CELERY_VISIBILITY_TIMEOUT >= 60 * 60  # longer than the longest report
