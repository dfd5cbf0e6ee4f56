"""Load shedding: a request that already waited too long in the queue is answered at once with
a short Vietnamese "the portal is busy, try again in a moment" (503, Retry-After) instead of
being served seconds late, behind others that waited as long.

How long a request waited comes from the moment it was queued: `X-Request-Start` set by the
proxy in front (nginx: `proxy_set_header X-Request-Start "t=${msec}";`, seconds or
milliseconds since the epoch, with or without "t="), or `X-Gunicorn-Queued-At` set by the
portal's own gunicorn worker (config.gunicorn_worker); the earlier of the two counts. With
neither, nothing is shed.

Only what can be asked again without loss is shed: pages that read (GET, HEAD), and the posts
of views marked `@sheddable` (the login, the autosave of a draft, which the page sends again).
A save, a submission, an approval or a report request is always served, however late: the
officer's typing is never thrown away; nor is the page that follows it and says what was done
(it carries the messages cookie).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

F = TypeVar("F", bound=Callable[..., Any])

SAFE_METHODS = frozenset({"GET", "HEAD"})
#: The page polls and static files cost nothing worth shedding.
NEVER_SHED = ("/suc-khoe/", "/static/")


def sheddable[F: Callable[..., Any]](view: F) -> F:
    """Marks a view whose posts may be refused when busy: the user loses nothing (the page
    sends them again, or they are typed again in a second)."""
    view.sheddable = True  # type: ignore[attr-defined]
    return view


def _epoch_seconds(text: str) -> float | None:
    """`t=1733040000.123`, `1733040000123` (ms) or `1733040000123456` (µs) as seconds."""
    text = text.strip().removeprefix("t=")
    try:
        value = float(text)
    except ValueError:
        return None
    while value > 1e11:  # milliseconds or microseconds
        value /= 1000
    return value if value > 0 else None


def queued_at(request: HttpRequest) -> float | None:
    """When the request was queued, by the proxy's or the worker's stamp (the earlier)."""
    stamps = [
        _epoch_seconds(request.META[key])
        for key in ("HTTP_X_REQUEST_START", "HTTP_X_GUNICORN_QUEUED_AT")
        if key in request.META
    ]
    found = [s for s in stamps if s is not None]
    return min(found) if found else None


def waited_too_long(request: HttpRequest, now: float | None = None) -> bool:
    started = queued_at(request)
    if started is None:
        return False
    waited = (time.time() if now is None else now) - started
    return waited > settings.SHED_AFTER_SECONDS


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON for the page's scripts, otherwise templates/busy.html (no
    session, no user, no query: it must cost next to nothing)."""
    retry = settings.SHED_RETRY_AFTER_SECONDS
    if "application/json" in request.headers.get("accept", "") or request.path.endswith("/nhap/"):
        body = json.dumps(
            {"error": _("Hệ thống đang quá tải, chưa ghi được bản nháp.")},
            ensure_ascii=False,
        )
        response = HttpResponse(body, status=503, content_type="application/json")
    else:
        html = loader.render_to_string("busy.html", {"retry_after": retry})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry)
    response["Cache-Control"] = "no-store"
    return response


class ShedWhenQueuedTooLong:
    """High in MIDDLEWARE (after the static files, before the session): a GET that waited past
    SHED_AFTER_SECONDS costs one template render, not a page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method in SAFE_METHODS
            and not request.path.startswith(NEVER_SHED)
            and CookieStorage.cookie_name not in request.COOKIES
            and waited_too_long(request)
        ):
            return busy_response(request)
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if (
            request.method not in SAFE_METHODS
            and getattr(view, "sheddable", False)
            and waited_too_long(request)
        ):
            return busy_response(request)
        return None
