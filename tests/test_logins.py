"""Logins: throttled by user name and by address (django-axes) with a Vietnamese lock-out page,
a cool-off and unlocking from the admin; sessions end when idle and after a fixed time."""

from __future__ import annotations

import datetime
import types

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config import logins
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-dung-1975"


@pytest.fixture
def officer():
    user = factories.UserFactory(username="xa.bangoi")
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_then_the_right_one_is_refused(officer) -> None:
    client = Client()
    for _ in range(30):
        _login(client, "xa.bangoi", "sai")

    response = _login(client, "xa.bangoi", PASSWORD)

    assert response.status_code == 429
    assert not _logged_in(client)
    page = response.content.decode()
    assert "Tạm khóa đăng nhập" in page and "thử lại sau 15 phút" in page


def test_the_lock_follows_the_user_name_to_another_address(officer) -> None:
    for _ in range(5):
        _login(Client(), "xa.bangoi", "sai", ip="10.0.0.1")

    response = _login(Client(), "xa.bangoi", PASSWORD, ip="10.9.9.9")

    assert response.status_code == 429


def test_an_address_trying_many_names_is_locked_out(officer) -> None:
    for number in range(5):
        _login(Client(), f"ai-do-{number}", "sai", ip="10.0.0.7")

    assert _login(Client(), "xa.bangoi", PASSWORD, ip="10.0.0.7").status_code == 429
    client = Client()
    assert _login(client, "xa.bangoi", PASSWORD, ip="10.0.0.8").status_code == 302
    assert _logged_in(client)


def test_after_the_cool_off_the_right_password_works(officer) -> None:
    for _ in range(6):
        _login(Client(), "xa.bangoi", "sai")
    assert _login(Client(), "xa.bangoi", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    client = Client()

    assert _login(client, "xa.bangoi", PASSWORD).status_code == 302
    assert _logged_in(client)


def test_a_shorter_cool_off_setting_is_honoured(officer, settings) -> None:
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=1)
    for _ in range(6):
        _login(Client(), "xa.bangoi", "sai")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=2))

    assert _login(Client(), "xa.bangoi", PASSWORD).status_code == 302


def test_the_admin_lists_the_locks_and_deleting_one_unlocks(officer) -> None:
    for _ in range(6):
        _login(Client(), "xa.bangoi", "sai")
    admin = Client()
    admin.force_login(factories.UserFactory(username="qt", is_superuser=True, is_staff=True))

    listing = admin.get("/quan-tri/axes/accessattempt/")
    assert listing.status_code == 200 and "xa.bangoi" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="xa.bangoi")
    admin.post(f"/quan-tri/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert _login(Client(), "xa.bangoi", PASSWORD).status_code == 302


def test_a_login_clears_its_names_and_addresss_failures_and_the_expired_ones(officer) -> None:
    for _ in range(3):
        _login(Client(), "xa.bangoi", "sai", ip="10.0.0.1")
    _login(Client(), "ai-do", "sai", ip="10.0.0.1")  # another name from the same address
    _login(Client(), "nguoi-khac", "sai", ip="10.0.0.2")  # neither: kept
    _login(Client(), "cu", "sai", ip="10.0.0.3")
    AccessAttempt.objects.filter(username="cu").update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=16)
    )

    assert _login(Client(), "xa.bangoi", PASSWORD, ip="10.0.0.1").status_code == 302

    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["nguoi-khac"]
    for _ in range(4):  # the count starts again
        _login(Client(), "xa.bangoi", "sai", ip="10.0.0.1")
    assert _login(Client(), "xa.bangoi", PASSWORD, ip="10.0.0.1").status_code == 302


def test_the_counts_of_the_name_and_of_the_address_are_apart(officer) -> None:
    """Four failures of the name from one address and four of other names from another do not
    add up to a lock of either."""
    for _ in range(4):
        _login(Client(), "xa.bangoi", "sai", ip="10.0.0.1")
    for number in range(4):
        _login(Client(), f"ai-do-{number}", "sai", ip="10.0.0.2")

    assert _login(Client(), "xa.bangoi", PASSWORD, ip="10.0.0.2").status_code == 302


def test_a_login_asks_axes_three_queries(officer) -> None:
    """The failure counts of the name and the address in one query, the access log, and the
    expired and reset attempts deleted in one (six before)."""
    _login(Client(), "xa.bangoi", PASSWORD)
    with CaptureQueriesContext(connection) as queries:
        assert _login(Client(), "xa.bangoi", PASSWORD).status_code == 302

    assert len([q for q in queries if "axes_" in q["sql"]]) == 3


class _Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> _Clock:
    clock = _Clock()
    monkeypatch.setattr(logins, "time", types.SimpleNamespace(time=clock.time))
    return clock


def test_an_idle_session_is_logged_out(officer, clock, settings) -> None:
    client = Client()
    _login(client, "xa.bangoi", PASSWORD)
    assert client.get(reverse("home:home")).status_code == 200

    clock.now += settings.SESSION_IDLE_SECONDS - 60
    assert client.get(reverse("home:home")).status_code == 200  # used: the idle clock restarts
    clock.now += settings.SESSION_IDLE_SECONDS - 60
    assert client.get(reverse("home:home")).status_code == 200
    clock.now += settings.SESSION_IDLE_SECONDS + 1

    response = client.get(reverse("home:home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not _logged_in(client)


def test_a_busy_session_ends_after_the_absolute_timeout(officer, clock, settings) -> None:
    client = Client()
    _login(client, "xa.bangoi", PASSWORD)
    step = settings.SESSION_IDLE_SECONDS // 2
    for _ in range(settings.SESSION_ABSOLUTE_SECONDS // step - 1):
        clock.now += step
        assert client.get(reverse("home:home")).status_code == 200
    clock.now += 2 * step

    response = client.get(reverse("home:home"))
    assert response.status_code == 302
    assert not _logged_in(client)


def test_the_last_use_is_written_once_a_minute_not_on_every_request(officer, clock) -> None:
    client = Client()
    _login(client, "xa.bangoi", PASSWORD)
    client.get(reverse("home:home"))

    def visit() -> tuple[int, bool]:
        """The session UPDATEs of one page and whether it renewed the session cookie."""
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home:home"))
        assert response.status_code == 200
        writes = [q for q in queries if q["sql"].startswith("UPDATE") and "session" in q["sql"]]
        return len(writes), "sessionid" in response.cookies

    clock.now += 30
    assert visit() == (0, False)
    clock.now += 31  # a minute since the last write: the use is recorded, the cookie renewed
    assert visit() == (1, True)
    assert visit() == (0, False)


def test_settings_keep_sessions_short() -> None:
    from django.conf import settings

    assert not settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_SEEN_EVERY_SECONDS <= 60
    assert settings.SESSION_COOKIE_AGE == (
        settings.SESSION_IDLE_SECONDS + settings.SESSION_SEEN_EVERY_SECONDS
    )
    assert settings.SESSION_IDLE_SECONDS <= 60 * 60


def test_a_new_session_never_takes_a_key_in_use(monkeypatch) -> None:
    """config.sessions draws a key without looking it up: a taken key fails the INSERT and
    another is drawn; the session holding it is untouched."""
    from django.contrib.sessions.models import Session

    from config.sessions import SessionStore

    taken = SessionStore()
    taken["who"] = "first"
    taken.save()
    keys = iter([taken.session_key, "k" * 32])
    monkeypatch.setattr(SessionStore, "_get_new_session_key", lambda self: next(keys))

    fresh = SessionStore()
    fresh["who"] = "second"
    fresh.create()
    fresh.save()

    assert fresh.session_key == "k" * 32
    assert SessionStore(taken.session_key).load() == {"who": "first"}
    assert SessionStore("k" * 32).load() == {"who": "second"}
    assert Session.objects.count() == 2


def test_a_login_writes_its_session_once(officer) -> None:
    """The new session's row is INSERTed with the user at the end of the login, not INSERTed
    empty and then UPDATEd; a login over another user's session deletes that one."""
    from django.contrib.sessions.models import Session

    other = factories.UserFactory(username="xa.khac")
    other.set_password(PASSWORD)
    other.save()
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        assert _login(client, "xa.bangoi", PASSWORD).status_code == 302
    old = client.session.session_key
    with CaptureQueriesContext(connection) as over:
        assert _login(client, "xa.khac", PASSWORD).status_code == 302

    for captured in (queries, over):
        writes = [q["sql"].split()[0] for q in captured if "django_session" in q["sql"]]
        assert writes.count("INSERT") == 1 and "UPDATE" not in writes
    new = client.session.session_key
    assert new != old and not Session.objects.filter(session_key=old).exists()
    assert client.session["_auth_user_id"] == str(other.pk)
    assert client.get(reverse("home:home")).status_code == 200


def test_logging_out_deletes_the_session(officer) -> None:
    from django.contrib.sessions.models import Session

    client = Client()
    _login(client, "xa.bangoi", PASSWORD)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()

    client.post(reverse("logout"))

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home:home")).status_code == 302
