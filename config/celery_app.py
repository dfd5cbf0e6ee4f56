"""The Celery application. Settings come from Django's (the CELERY_ namespace).

A worker also says it is alive: at its heartbeat (every 2 s, throttled to WORKER_ALIVE_EVERY) it
writes a key in the broker that expires after WORKER_ALIVE_TTL seconds; the health check
(config.views.health) counts these keys."""

import os
import time
from typing import Any

from celery import Celery
from celery.signals import heartbeat_sent

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("hoilhpn")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

WORKER_ALIVE_PREFIX = "hoilhpn:worker-alive:"
WORKER_ALIVE_EVERY = 5
WORKER_ALIVE_TTL = 30
_last_alive = 0.0


def broker_client(timeout: int = 2) -> Any:
    """A Redis client on the broker (a kombu connection's; the caller closes the connection)."""
    conn = app.connection_for_write()
    conn.ensure_connection(max_retries=1, timeout=timeout)
    return conn, conn.default_channel.client  # type: ignore[attr-defined]


@heartbeat_sent.connect
def _worker_alive(sender: Any = None, **kwargs: Any) -> None:
    global _last_alive
    now = time.monotonic()
    if now - _last_alive < WORKER_ALIVE_EVERY:
        return
    _last_alive = now
    hostname = getattr(getattr(sender, "eventer", None), "hostname", None) or str(os.getpid())
    try:
        conn, client = broker_client()
        with conn:
            client.set(f"{WORKER_ALIVE_PREFIX}{hostname}", int(time.time()), ex=WORKER_ALIVE_TTL)
    except Exception:  # the broker is down: the health check says so already
        _last_alive = 0.0
