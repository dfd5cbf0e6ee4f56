"""Changing a password (every user) and resetting a forgotten one by e-mail: Django's own
views under Vietnamese URLs, with the mail in the test outbox."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

OLD = "mat-khau-2025"
NEW = "Hoa-sen-no-giua-ho-7"


@pytest.fixture
def officer():
    return factories.UserFactory(username="xa.bangoi", email="bangoi@hoiphunu.vn")


def _login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_urls_are_vietnamese() -> None:
    assert reverse("password_change") == "/doi-mat-khau/"
    assert reverse("password_reset") == "/quen-mat-khau/"


def test_an_officer_changes_their_password_and_stays_logged_in(officer) -> None:
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("password_change")).content.decode()
    assert "Mật khẩu hiện tại" in page and "Nhập lại mật khẩu mới" in page

    response = client.post(
        reverse("password_change"),
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert "Đã đổi mật khẩu" in client.get(response["Location"]).content.decode()
    officer.refresh_from_db()
    assert officer.check_password(NEW)
    assert client.get(reverse("home:home")).status_code == 200  # the session survived
    assert _login(Client(), "xa.bangoi", NEW).status_code == 302


def test_a_wrong_current_password_is_refused_in_the_form(officer) -> None:
    client = Client()
    client.force_login(officer)

    response = client.post(
        reverse("password_change"),
        {"old_password": "sai", "new_password1": NEW, "new_password2": NEW},
    )

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(OLD)


def test_password_change_needs_a_login() -> None:
    response = Client().get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_login_page_offers_a_reset_and_the_menu_a_change(officer) -> None:
    assert reverse("password_reset") in Client().get(reverse("login")).content.decode()
    assert "Quên mật khẩu?" in Client().get(reverse("login")).content.decode()
    client = Client()
    client.force_login(officer)
    home = client.get(reverse("home:home")).content.decode()
    assert f'href="{reverse("password_change")}"' in home and "Đổi mật khẩu" in home


def test_reset_by_mail_end_to_end(officer) -> None:
    client = Client()
    response = client.post(reverse("password_reset"), {"email": "bangoi@hoiphunu.vn"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["bangoi@hoiphunu.vn"]
    assert "Đặt lại mật khẩu" in message.subject
    assert "xa.bangoi" in message.body
    link = re.search(r"https?://[^/\s]+(/dat-lai-mat-khau/\S+/)", message.body)
    assert link, message.body

    # Django moves the token into the session and redirects to a token-less URL.
    form_url = client.get(link.group(1))["Location"]
    page = client.get(form_url).content.decode()
    assert "Đặt mật khẩu mới" in page and 'id="password-set"' in page
    done = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("password_reset_complete")
    assert "Đã đặt mật khẩu mới" in client.get(done["Location"]).content.decode()

    officer.refresh_from_db()
    assert officer.check_password(NEW)
    # The link works once.
    again = Client().get(link.group(1), follow=True).content.decode()
    assert "không còn dùng được" in again


def test_reset_does_not_tell_whether_an_account_exists(officer) -> None:
    known = Client().post(reverse("password_reset"), {"email": "bangoi@hoiphunu.vn"})
    unknown = Client().post(reverse("password_reset"), {"email": "ai-do@example.vn"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1  # only the real account got a mail
    page = Client().get(unknown["Location"]).content.decode()
    assert "Nếu địa chỉ vừa nhập thuộc một tài khoản" in page


def test_a_reset_lifts_the_lock_out_of_that_user(officer, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "xa.bangoi", "sai-mat-khau")
    assert _login(Client(), "xa.bangoi", OLD).status_code == 429

    client = Client()
    client.post(reverse("password_reset"), {"email": "bangoi@hoiphunu.vn"})
    link = re.search(r"(/dat-lai-mat-khau/\S+/)", mail.outbox[0].body)
    assert link
    form_url = client.get(link.group(1))["Location"]
    client.post(form_url, {"new_password1": NEW, "new_password2": NEW})

    assert not AccessAttempt.objects.filter(username="xa.bangoi").exists()
    assert _login(Client(), "xa.bangoi", NEW).status_code == 302


def test_mail_settings_come_from_the_environment() -> None:
    from config.settings.base import email

    smtp = email("smtp+tls://portal:bi-mat@mail.hoiphunu.vn:587")
    assert smtp["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert smtp["EMAIL_HOST"] == "mail.hoiphunu.vn" and smtp["EMAIL_PORT"] == 587
    assert smtp["EMAIL_USE_TLS"] is True and smtp["EMAIL_HOST_USER"] == "portal"
    console = email("consolemail://")
    assert console == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
