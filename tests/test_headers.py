"""Headers: a Content-Security-Policy without 'unsafe-inline' on every page (and templates
with no inline script, handler or style for it to block), and `no-store` on personal data and
downloads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, reverse

from accounts.models import Role
from config.headers import NO_STORE_URL_NAMES
from imports.models import ImportBatch
from members import urls as member_urls
from programs.models import Program
from reports.models import ReportJob
from tests import factories
from tests.report_data import add_results
from tests.test_import_views import _upload

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_page_has_a_csp_without_unsafe_inline(khanh_hoa) -> None:
    for client, url in [
        (Client(), reverse("login")),
        (_client(khanh_hoa.commune_officer), reverse("home:home")),
        (_client(khanh_hoa.commune_officer), reverse("members:register")),
    ]:
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_templates_have_no_inline_script_handler_or_style() -> None:
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    style = re.compile(r"\sstyle\s*=|<style", re.I)
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for pattern in (inline_script, handler, style):
            assert not pattern.search(text), (path, pattern.pattern)


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_member_pages_and_their_export_are_not_stored(khanh_hoa) -> None:
    member = factories.member(khanh_hoa.ba_ngoi_branch)
    client = _client(khanh_hoa.commune_officer)

    for url in [
        reverse("members:register"),
        reverse("members:member_detail", args=[member.pk]),
        reverse("members:register_export"),
        reverse("members:register_import"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), url
    assert not _no_store(client.get(reverse("home:home")))  # pages without personal data: cached


def test_every_member_register_url_is_not_stored() -> None:
    names = {p.name for p in member_urls.urlpatterns if isinstance(p, URLPattern) and p.name} - {
        "home",
        "unit_detail",
    }
    assert names and names <= NO_STORE_URL_NAMES


@pytest.mark.django_db(transaction=True)  # the report job starts on commit
def test_report_downloads_are_not_stored(khanh_hoa, catalog) -> None:
    add_results(khanh_hoa)
    client = _client(khanh_hoa.province_reviewer)
    program = Program.objects.get(code="DA939")
    client.post(
        reverse("reports:report_list"),
        {"program": program.pk, "unit": khanh_hoa.province.pk, "start": "2025-01",
         "end": "2025-06", "format": "both"},
    )  # fmt: skip
    done_job = ReportJob.objects.get()
    for ext in ("xlsx", "pdf"):
        response = client.get(reverse("reports:report_download", args=[done_job.pk, ext]))
        assert response.status_code == 200 and _no_store(response)


def test_import_files_are_not_stored(khanh_hoa, catalog) -> None:
    admin = factories.AssignmentFactory(
        user=factories.UserFactory(username="quantri.khanhhoa"),
        unit=khanh_hoa.province,
        role=Role.ADMIN,
    ).user
    client = _client(admin)
    _upload(client, khanh_hoa.province, "22735,939-01,2025-06,7,,")
    response = client.get(reverse("imports:import_file", args=[ImportBatch.objects.get().pk]))
    assert response.status_code == 200 and _no_store(response)


def test_the_csrf_cookie_is_http_only() -> None:
    """No script reads it (forms and the autosave send the hidden token): a `make scan`
    finding."""
    response = Client().get(reverse("login"))
    assert response.cookies["csrftoken"]["httponly"] is True
