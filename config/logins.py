"""Logins held to the portal's rules: throttling (django-axes) and session timeouts.

Throttling: after AXES_FAILURE_LIMIT wrong passwords for one user name, or from one address,
further attempts are refused (even with the right password) for AXES_COOLOFF_TIME; the refusal
is a Vietnamese page (`locked_out`). An admin lifts a lock in the admin (Axes > Access
attempts: delete the user's attempts).

Timeouts: a session unused for SESSION_IDLE_SECONDS ends (checked here from the last use the
session records, to the minute; the cookie and the stored session expire a minute later), and
every session ends SESSION_ABSOLUTE_SECONDS after its login, however busy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

LOGIN_AT = "login_at"
SEEN_AT = "seen_at"


class RequestAxesBackend(AxesStandaloneBackend):
    """Axes' check for every login made through a request (the login page, the admin's).
    An authentication with no request (a management command, the test client's `login`) has
    no address to throttle and is left to the next backend, instead of axes' error."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def locked_out(request: HttpRequest, response: Any = None, credentials: Any = None) -> HttpResponse:
    """The Vietnamese lock-out page (429), saying how long to wait."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


@receiver(user_logged_in)
def _remember_login_time(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = int(time.time())


def session_timeouts(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Logs out a session idle for longer than SESSION_IDLE_SECONDS or older than
    SESSION_ABSOLUTE_SECONDS since its login; the next page then asks to log in again. The
    last use is recorded to the minute (SESSION_SEEN_EVERY_SECONDS), so that most requests
    write no session."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            login_at = request.session.get(LOGIN_AT)
            seen_at = request.session.get(SEEN_AT, login_at)
            if login_at is None:  # a session from before this rule: its clock starts now
                request.session[LOGIN_AT] = login_at = now
            if now - login_at > settings.SESSION_ABSOLUTE_SECONDS or (
                seen_at is not None and now - seen_at > settings.SESSION_IDLE_SECONDS
            ):
                logout(request)
            elif seen_at is None or now - seen_at >= settings.SESSION_SEEN_EVERY_SECONDS:
                request.session[SEEN_AT] = now  # a write: the session is saved, its cookie renewed
        return get_response(request)

    return middleware
