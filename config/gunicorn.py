"""gunicorn's settings for the image, docker-compose and `make load` (`--config
python:config.gunicorn`).

The access log names each request by its path alone (`%(U)s`), never its query string: the
register's address carries the names searched for (?q=...) and filters, which are personal
data, and so does the Referer header, which is not logged either.

Sizing (issue 19, measured with `make load` on a 2-core machine that also runs PostgreSQL and
the Celery worker): threaded workers (gthread), one process per core plus one, each with a few
threads, so that a request waiting on PostgreSQL does not hold a whole process. Each thread keeps
its own database connection (CONN_MAX_AGE), so workers × threads stays well under PostgreSQL's
max_connections. WEB_CONCURRENCY and GUNICORN_THREADS override the figures.

The worker class stamps each request with the moment it was queued (config.gunicorn_worker),
so that config.shedding answers "busy" at once to a request that already waited too long
rather than making it wait longer.
"""

import os

accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'

worker_class = "config.gunicorn_worker.QueueStampedWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# A worker whose main loop is silent this long is killed and replaced (the threads keep
# answering while one of them is busy, so this only catches a wedged process).
timeout = 30
graceful_timeout = 30
# Longer than a person's pause between two pages (and than the proxy's idle connections): with
# gunicorn's 5 s, a connection closed by the server just as the next request went out on it
# surfaced as "connection reset" errors under `make load`. Idle connections cost a gthread
# worker no thread.
keepalive = 75
# Workers are replaced now and then (with a jitter so they do not all restart at once), which
# bounds any slow growth of memory.
max_requests = 5000
max_requests_jitter = 500
# The application is imported once in the master and the workers are forked from it: faster
# restarts of a killed worker, and memory shared between them.
preload_app = True


def post_worker_init(worker: object) -> None:
    """Each worker freezes the long-lived objects (the application, the kept lineages) out of
    the garbage collector's full walks after a request that kept a new lineage
    (members.lineage.freeze_kept): in the workers only, where objects live for hours."""
    from django.core.signals import request_finished

    from members.lineage import freeze_kept

    request_finished.connect(freeze_kept, dispatch_uid="members.freeze_kept")
