"""Load shedding (config.shedding): a request that waited too long in the queue is answered
"busy" at once, in Vietnamese, and only when nothing typed is lost. No timing: the wait is
given by the stamps."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from config import shedding
from config.gunicorn_worker import HEADER, QueueStampedWorker
from indicators.models import Indicator, Result
from tests.entry_posts import form_version

LONG_AGO = time.time() - 60  # far past any SHED_AFTER_SECONDS


@pytest.mark.parametrize(
    ("stamp", "seconds"),
    [
        ("t=1733040000.5", 1733040000.5),  # nginx's ${msec}
        ("1733040000500", 1733040000.5),  # milliseconds
        ("1733040000500000", 1733040000.5),  # microseconds
        ("t=1733040000", 1733040000.0),
    ],
)
def test_the_proxys_stamp_is_read_in_seconds_milliseconds_or_microseconds(stamp, seconds):
    request = RequestFactory().get("/", HTTP_X_REQUEST_START=stamp)
    assert shedding.queued_at(request) == pytest.approx(seconds)


@pytest.mark.parametrize("stamp", ["", "t=", "soon", "t=-5", "0"])
def test_an_unreadable_stamp_sheds_nothing(stamp):
    request = RequestFactory().get("/", HTTP_X_REQUEST_START=stamp)
    assert shedding.queued_at(request) is None
    assert not shedding.waited_too_long(request)


def test_the_earlier_of_the_proxys_and_the_workers_stamps_counts():
    request = RequestFactory().get(
        "/", HTTP_X_REQUEST_START="t=1000000100", HTTP_X_GUNICORN_QUEUED_AT="1000000090.0"
    )
    assert shedding.queued_at(request) == 1000000090.0


@override_settings(SHED_AFTER_SECONDS=2.0)
def test_waited_too_long_is_past_the_setting():
    request = RequestFactory().get("/", HTTP_X_GUNICORN_QUEUED_AT="1000.0")
    assert not shedding.waited_too_long(request, now=1001.9)
    assert shedding.waited_too_long(request, now=1002.1)
    assert not shedding.waited_too_long(RequestFactory().get("/"), now=5000.0)  # no stamp


@pytest.mark.django_db
def test_a_page_that_waited_too_long_is_a_vietnamese_busy_page_with_retry_after():
    response = Client().get(reverse("login"), HTTP_X_REQUEST_START=f"t={LONG_AGO}")

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    page = response.content.decode()
    assert "Hệ thống đang bận" in page and "Không có dữ liệu nào bị mất" in page
    assert "Xin thử lại sau khoảng 10 giây" in page


@pytest.mark.django_db
def test_a_page_that_did_not_wait_is_served():
    fresh = Client().get(reverse("login"), HTTP_X_REQUEST_START=f"t={time.time()}")
    unstamped = Client().get(reverse("login"))
    assert fresh.status_code == unstamped.status_code == 200


@pytest.mark.django_db
def test_the_page_after_an_action_saying_what_was_done_is_never_shed():
    client = Client()
    client.cookies["messages"] = "anything"  # Django's cookie of messages to show
    response = client.get(reverse("login"), HTTP_X_REQUEST_START=f"t={LONG_AGO}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_health_check_is_never_shed():
    # ?nhanh: the bare check (the full one answers 503 here: no worker runs in the tests).
    response = Client().get(reverse("health") + "?nhanh", HTTP_X_REQUEST_START=f"t={LONG_AGO}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_login_that_waited_too_long_is_shed(khanh_hoa):
    response = Client().post(
        reverse("login"),
        {"username": "xa.bangoi", "password": "whatever"},
        HTTP_X_GUNICORN_QUEUED_AT=str(LONG_AGO),
    )
    assert response.status_code == 503


def _officer(khanh_hoa) -> Client:
    client = Client()
    client.force_login(khanh_hoa.commune_officer)
    return client


def _form_url(khanh_hoa) -> str:
    return reverse("indicators:entry_form", args=[khanh_hoa.ba_ngoi.pk, "CTH", "2025-10"])


def test_a_save_is_served_however_long_it_waited(khanh_hoa, catalog):
    field = f"value-{khanh_hoa.ba_ngoi.pk}-{Indicator.objects.get(code='H-04').pk}"

    client = _officer(khanh_hoa)
    version = form_version(client, _form_url(khanh_hoa))
    response = client.post(
        _form_url(khanh_hoa),
        {field: "12", "version": version},
        HTTP_X_REQUEST_START=f"t={LONG_AGO}",
    )

    assert response.status_code == 302
    assert Result.objects.get(indicator__code="H-04").value == Decimal(12)


def test_an_autosave_that_waited_too_long_gets_a_json_busy_answer(khanh_hoa, catalog):
    field = f"value-{khanh_hoa.ba_ngoi.pk}-{Indicator.objects.get(code='H-04').pk}"
    client = _officer(khanh_hoa)

    shed = client.post(
        _form_url(khanh_hoa) + "nhap/", {field: "3"}, HTTP_X_REQUEST_START=f"t={LONG_AGO}"
    )
    served = client.post(_form_url(khanh_hoa) + "nhap/", {field: "3"})

    assert shed.status_code == 503 and shed["Content-Type"] == "application/json"
    assert "quá tải" in json.loads(shed.content)["error"]
    assert served.status_code == 200


def _stamped_headers(client_headers: list[tuple[str, str]], queued_at: float | None) -> list:
    """The headers the worker hands to the application (its parent class stubbed)."""
    seen = {}

    class Parent:
        def handle_request(self, req, conn):
            seen["headers"] = list(req.headers)

    worker = QueueStampedWorker.__new__(QueueStampedWorker)
    req = SimpleNamespace(headers=list(client_headers))
    conn = SimpleNamespace(queued_at=queued_at)
    original = QueueStampedWorker.__bases__
    QueueStampedWorker.__bases__ = (Parent,)
    try:
        worker.handle_request(req, conn)
    finally:
        QueueStampedWorker.__bases__ = original
    assert conn.queued_at is None
    return seen["headers"]


def test_the_worker_stamps_the_request_and_replaces_a_clients_stamp():
    headers = _stamped_headers([("HOST", "x"), (HEADER, "1.0")], queued_at=1733040000.25)
    assert headers == [("HOST", "x"), (HEADER, "1733040000.250")]
    assert _stamped_headers([(HEADER, "1.0")], queued_at=None) == []
