"""Logins held to the portal's rules: throttling (django-axes) and session timeouts.

Throttling: after AXES_FAILURE_LIMIT wrong passwords for one user name, or from one address,
further attempts are refused (even with the right password) for AXES_COOLOFF_TIME; the refusal
is a Vietnamese page (`locked_out`). An admin lifts a lock in the admin (Axes > Access
attempts: delete the user's attempts).

Axes' records in fewer queries (PortalAxesHandler, AXES_HANDLER): the same locks, counted and
cleared as axes' database handler does, with one query where it makes one per lockout parameter
and per clean-up.

Timeouts: a session unused for SESSION_IDLE_SECONDS ends (checked here from the last use the
session records, to the minute; the cookie and the stored session expire a minute later), and
every session ends SESSION_ABSOLUTE_SECONDS after its login, however busy.
"""

from __future__ import annotations

import logging
import operator
import time
from collections.abc import Callable
from functools import reduce
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import (
    get_client_parameters,
    get_client_session_hash,
    get_client_str,
    get_client_username,
    get_cool_off,
    get_credentials,
)
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.db.models import Q, Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
log = logging.getLogger("axes.handlers.database")


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


class PortalAxesHandler(AxesDatabaseHandler):
    """axes' database handler, the same rules in fewer queries: a login asked one query per
    lockout parameter for the failure counts (now one for all), and a successful login cleaned
    up the expired attempts and reset the user's and the address's in three (now one). A logout
    no longer cleans up: the expired attempts count for nothing (get_failures reads only those
    within the cool-off) and a failure cleans them up before it records itself, as in axes."""

    def _parameters(self, request: Any, credentials: dict | None) -> list[Q]:
        """The rows of each lockout parameter (axes' filter_user_attempts, as conditions)."""
        username = get_client_username(request, credentials)
        found = get_client_parameters(
            username, request.axes_ip_address, request.axes_user_agent, request, credentials
        )
        return [Q(**kwargs) for kwargs in found]

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        """The largest failure count within the cool-off over the lockout parameters."""
        parameters = self._parameters(request, credentials)
        if len(parameters) < 2 or not all(parameters):
            return super().get_failures(request, credentials)
        attempts = AccessAttempt.objects.filter(reduce(operator.or_, parameters))
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        sums = attempts.aggregate(
            **{
                f"failures_{n}": Sum("failures_since_start", filter=parameter)
                for n, parameter in enumerate(parameters)
            }
        )
        return max(total or 0 for total in sums.values())

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        """axes' steps: the access log, then the expired attempts and (AXES_RESET_ON_SUCCESS)
        those of the user name and the address deleted, in one delete."""
        username = user.get_username()
        credentials = get_credentials(username)
        client = _client(username, request)
        log.info("AXES: Successful login by %s.", client)
        if not settings.AXES_DISABLE_ACCESS_LOG:
            AccessLog.objects.create(
                username=username,
                ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent,
                http_accept=request.axes_http_accept,
                path_info=request.axes_path_info,
                attempt_time=request.axes_attempt_time,
                session_hash=get_client_session_hash(request),
            )
        stale = []
        if settings.AXES_COOLOFF_TIME is not None:
            stale.append(Q(attempt_time__lte=get_cool_off_threshold(request)))
        if settings.AXES_RESET_ON_SUCCESS:
            parameters = self._parameters(request, credentials)
            if not all(parameters):  # a parameter matching every row: axes deletes them all
                parameters = [Q(pk__isnull=False)]
            stale += parameters
        if stale:
            count, _ = AccessAttempt.objects.filter(reduce(operator.or_, stale)).delete()
            log.info("AXES: Deleted %d expired or reset access attempts for %s.", count, client)

    def user_logged_out(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        """axes' logout time on the session's access log, without its clean-up (see above)."""
        username = user.get_username() if user else None
        client = _client(username, request)
        log.info("AXES: Successful logout by %s.", client)
        if username and not settings.AXES_DISABLE_ACCESS_LOG:
            AccessLog.objects.filter(
                username=username,
                logout_time__isnull=True,
                session_hash=get_client_session_hash(request),
            ).update(logout_time=request.axes_attempt_time)


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


def _client(username: str | None, request: Any) -> str:
    """How axes names the client in its log lines."""
    return get_client_str(
        username,
        request.axes_ip_address,
        request.axes_user_agent,
        request.axes_path_info,
        request,
    )
