from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"
    return "ok"


def _broker_and_workers() -> tuple[str, str, int]:
    """The broker's state, the workers' ("ok" when at least one said it is alive in the last
    half-minute: config.celery_app) and how many."""
    from config.celery_app import WORKER_ALIVE_PREFIX, broker_client

    if settings.CELERY_TASK_ALWAYS_EAGER:  # no broker: tasks run in the web process
        return "in-process", "in-process", 0
    try:
        conn, client = broker_client(timeout=1)
        with conn:
            client.ping()
            workers = sum(1 for _ in client.scan_iter(match=f"{WORKER_ALIVE_PREFIX}*", count=100))
    except Exception:
        return "down", "unknown", 0
    return "ok", ("ok" if workers else "down"), workers


def health(request: HttpRequest) -> HttpResponse:
    """For the proxy's and docker's health checks: the database, the broker and the workers,
    each on its own (JSON), and 503 when one of them is down. `?nhanh` (the benchmark's floor:
    the cost of a request through the middleware and nothing else) skips the checks."""
    if "nhanh" in request.GET:
        return HttpResponse("ok", content_type="text/plain")
    database = _database()
    broker, workers, worker_count = _broker_and_workers()
    down = "down" in (database, broker, workers)
    return JsonResponse(
        {
            "status": "down" if down else "ok",
            "database": database,
            "broker": broker,
            "workers": workers,
            "worker_count": worker_count,
        },
        status=503 if down else 200,
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever the page links: the static icon."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url("favicon.ico"))
