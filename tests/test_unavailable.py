"""The database or the broker unreachable: a Vietnamese 503 page that says nothing was lost,
never a traceback or "Server Error (500)"; a read that met a dropped database connection is run
again on a fresh one; the health check reports each service on its own."""

from __future__ import annotations

import sys

import psycopg
import pytest
from django.core.signals import got_request_exception
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerDown

from config.celery_app import WORKER_ALIVE_PREFIX, broker_client
from config.unavailable import unavailable, unavailable_response
from tests.brokers import app_broker, own_redis

DATABASE_DOWN = "Cổng thông tin tạm thời không kết nối được cơ sở dữ liệu."
NOTHING_LOST = "Không có dữ liệu nào bị mất."


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _kill_this_connection() -> None:
    """pg_terminate_backend of the test's own connection, from another connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_page_read_after_its_connection_was_killed_is_answered(khanh_hoa) -> None:
    client = _client(khanh_hoa.commune_officer)
    assert client.get(reverse("members:register")).status_code == 200
    _kill_this_connection()
    page = client.get(reverse("members:register"))
    assert page.status_code == 200  # run again on a fresh connection
    assert "Ba Ngòi" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_write_that_met_a_killed_connection_gets_the_503_page(khanh_hoa) -> None:
    client = _client(khanh_hoa.commune_officer)
    client.get(reverse("members:register"))
    _kill_this_connection()
    page = client.post(reverse("reports:report_list"), {"program": "1"})
    connection.close()
    assert page.status_code == 503
    text = page.content.decode()
    assert DATABASE_DOWN in text and NOTHING_LOST in text
    assert "Traceback" not in text and "Server Error" not in text
    assert page["Retry-After"] == "30"


def test_the_503_page_renders_without_the_database() -> None:
    page = unavailable_response("database", safe=True)  # no django_db mark: no query allowed
    assert page.status_code == 503
    assert '<html lang="vi">' in page.content.decode()


def _failing(exc: BaseException):
    """A view (or an inner middleware) raising `exc`, as Django's handler reports it."""

    def get_response(request):
        try:
            raise exc
        except type(exc):
            got_request_exception.send(sender=None, request=request)
            assert sys.exc_info()[1] is exc
        return HttpResponse("Server Error (500)", status=500)

    return get_response


def test_a_broker_down_gives_the_503_page() -> None:
    request = RequestFactory().post("/bao-cao/")
    page = unavailable(_failing(BrokerDown("Error 111 connecting")))(request)
    assert page.status_code == 503
    text = page.content.decode()
    assert "Hàng đợi xử lý nền" in text and NOTHING_LOST in text


def test_a_read_that_fails_twice_gives_the_503_page() -> None:
    request = RequestFactory().get("/hoi-vien/")
    page = unavailable(_failing(OperationalError("server closed the connection")))(request)
    assert page.status_code == 503
    assert DATABASE_DOWN in page.content.decode()


def test_other_errors_are_left_to_the_500_page() -> None:
    request = RequestFactory().get("/hoi-vien/")
    page = unavailable(_failing(ValueError("a bug")))(request)
    assert page.status_code == 500


def _forget_workers() -> None:
    conn, client = broker_client()
    with conn:
        for key in client.scan_iter(match=f"{WORKER_ALIVE_PREFIX}*"):
            client.delete(key)


@pytest.mark.django_db
def test_the_health_check_reports_each_service() -> None:
    _forget_workers()
    page = Client().get("/suc-khoe/")
    assert page.status_code == 503  # no worker
    assert page.json() == {
        "status": "down",
        "database": "ok",
        "broker": "ok",
        "workers": "down",
        "worker_count": 0,
    }
    conn, client = broker_client()
    with conn:
        client.set(f"{WORKER_ALIVE_PREFIX}test@host", 1, ex=30)
    try:
        page = Client().get("/suc-khoe/")
        assert page.status_code == 200
        assert page.json()["workers"] == "ok" and page.json()["status"] == "ok"
    finally:
        _forget_workers()


@pytest.mark.django_db
def test_the_health_check_fails_when_the_broker_is_down(tmp_path) -> None:
    with own_redis(tmp_path) as (url, start, stop), app_broker(url):
        start()
        stop()
        page = Client().get("/suc-khoe/")
    assert page.status_code == 503
    assert page.json()["database"] == "ok" and page.json()["broker"] == "down"


@pytest.mark.django_db
def test_the_health_check_fails_when_the_database_is_down(monkeypatch) -> None:
    from config import views

    monkeypatch.setattr(views, "_database", lambda: "down")
    page = Client().get("/suc-khoe/")
    assert page.status_code == 503 and page.json()["database"] == "down"
