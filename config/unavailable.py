"""The database or the broker unreachable: a Vietnamese 503 page, never a traceback or a bare
"Server Error (500)".

Django turns an exception into the 500 response inside each middleware layer, so the outermost
middleware never sees the exception itself: `got_request_exception` (sent before the 500 page
is made) notes it on the request, and `unavailable` (high in MIDDLEWARE) swaps the response
for the 503 page. A safe request (GET, HEAD, OPTIONS: it wrote nothing) that met a dropped
database connection is first run once more on a fresh connection.

templates/503.html renders with no request: no context processor, no session, no query.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import kombu.exceptions
import redis.exceptions
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)

DATABASE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_AFTER_SECONDS = 30


def service_of(exc: BaseException | None) -> str | None:
    """ "database" or "broker" for an exception that says the service cannot be reached."""
    seen = 0
    while exc is not None and seen < 5:  # the cause chain (a wrapped connection error)
        if isinstance(exc, BROKER_ERRORS):
            return "broker"
        if isinstance(exc, DATABASE_ERRORS):
            return "database"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


@receiver(got_request_exception)
def _note_unavailable(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    import sys

    if request is None:
        return
    service = service_of(sys.exc_info()[1])
    if service is not None:
        request._unavailable = service  # type: ignore[attr-defined]


def unavailable_response(service: str, *, safe: bool) -> HttpResponse:
    body = loader.get_template("503.html").render({"service": service, "safe": safe})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _drop_broken_connections() -> None:
    """Closes the connections a dropped server left unusable, so the next query opens a new one
    (only outside a transaction: a test's or a request's atomic block stays as it is)."""
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue
        try:
            usable = conn.connection is not None and conn.is_usable()
        except DatabaseError:
            usable = False
        if not usable:
            conn.close()


def unavailable(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        service = getattr(request, "_unavailable", None)
        if service is None:
            return response
        safe = request.method in SAFE_METHODS
        if service == "database" and safe:
            logger.warning(
                "%s %s met a dropped database connection: once more", request.method, request.path
            )
            del request._unavailable  # type: ignore[attr-defined]
            _drop_broken_connections()
            response = get_response(request)
            service = getattr(request, "_unavailable", None)
            if service is None:
                return response
        logger.error(
            "%s %s: the %s is unreachable, answered 503", request.method, request.path, service
        )
        return unavailable_response(service, safe=safe)

    return middleware
