"""Report pages: request, status JSON, download only for who may see the unit (404 otherwise)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from reports.models import ReportJob, State
from tests import factories
from tests.report_data import add_results

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def done_job(khanh_hoa, catalog) -> ReportJob:
    add_results(khanh_hoa)
    page = client_for(khanh_hoa.province_reviewer).post(
        reverse("reports:report_list"),
        {
            "program": _program_pk(),
            "unit": khanh_hoa.province.pk,
            "start": "2025-01",
            "end": "2025-06",
            "format": "both",
        },
    )
    job = ReportJob.objects.get()
    assert page.status_code == 302 and page["Location"] == reverse(
        "reports:report_detail", args=[job.pk]
    )
    return job


def _program_pk() -> int:
    from programs.models import Program

    return Program.objects.get(code="DA939").pk


def test_request_page_offers_only_visible_units(khanh_hoa, catalog) -> None:
    page = (
        client_for(khanh_hoa.province_reviewer).get(reverse("reports:report_list")).content.decode()
    )
    assert "Tạo báo cáo tiến độ" in page and "Báo cáo của tôi" in page
    assert "Phường Ba Ngòi" in page
    assert "Tỉnh Cao Bằng" not in page


def test_a_unit_outside_the_scope_cannot_be_requested(khanh_hoa, catalog) -> None:
    page = client_for(khanh_hoa.commune_officer).post(
        reverse("reports:report_list"),
        {
            "program": _program_pk(),
            "unit": khanh_hoa.province.pk,
            "start": "2025-01",
            "end": "2025-06",
            "format": "xlsx",
        },
    )
    assert page.status_code == 200
    assert not ReportJob.objects.exists()


def test_done_job_shows_downloads_and_serves_both_files(khanh_hoa, done_job) -> None:
    client = client_for(khanh_hoa.province_reviewer)
    page = client.get(reverse("reports:report_detail", args=[done_job.pk])).content.decode()
    assert "Hoàn thành" in page and "Tải về XLSX" in page and "Tải về PDF" in page

    status = client.get(reverse("reports:report_status", args=[done_job.pk])).json()
    assert status["state"] == "done" and status["progress"] == 100 and not status["active"]

    xlsx = client.get(reverse("reports:report_download", args=[done_job.pk, "xlsx"]))
    pdf = client.get(reverse("reports:report_download", args=[done_job.pk, "pdf"]))
    assert xlsx.status_code == pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert "bao-cao-DA939-56-2025-01-2025-06.xlsx" in xlsx["Content-Disposition"]


def test_someone_of_another_province_gets_404_everywhere(khanh_hoa, done_job) -> None:
    stranger = factories.AssignmentFactory(
        user=factories.UserFactory(username="tinh.caobang"),
        unit=khanh_hoa.cao_bang,
        role=Role.REVIEWER,
    ).user
    client = client_for(stranger)
    for url in (
        reverse("reports:report_detail", args=[done_job.pk]),
        reverse("reports:report_status", args=[done_job.pk]),
        reverse("reports:report_download", args=[done_job.pk, "xlsx"]),
        reverse("reports:report_download", args=[done_job.pk, "pdf"]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_commune_officer_cannot_download_the_province_report(khanh_hoa, done_job) -> None:
    client = client_for(khanh_hoa.commune_officer)
    assert (
        client.get(reverse("reports:report_download", args=[done_job.pk, "xlsx"])).status_code
        == 404
    )


def test_anonymous_visitors_are_sent_to_log_in(done_job) -> None:
    response = Client().get(reverse("reports:report_download", args=[done_job.pk, "xlsx"]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_unknown_extension_and_unfinished_job_are_404(khanh_hoa, done_job) -> None:
    client = client_for(khanh_hoa.province_reviewer)
    assert (
        client.get(reverse("reports:report_download", args=[done_job.pk, "csv"])).status_code == 404
    )
    ReportJob.objects.filter(pk=done_job.pk).update(state=State.RUNNING)
    assert (
        client.get(reverse("reports:report_download", args=[done_job.pk, "xlsx"])).status_code
        == 404
    )


def test_failed_job_shows_the_reason_and_retries_from_the_page(khanh_hoa, done_job) -> None:
    ReportJob.objects.filter(pk=done_job.pk).update(
        state=State.FAILED, error="Không tạo được báo cáo: lỗi thử"
    )
    client = client_for(khanh_hoa.province_reviewer)
    page = client.get(reverse("reports:report_detail", args=[done_job.pk])).content.decode()
    assert "lỗi thử" in page and 'id="retry"' in page

    client.post(reverse("reports:report_retry", args=[done_job.pk]))
    done_job.refresh_from_db()
    assert done_job.state == State.DONE


def test_a_stuck_job_offers_the_retry_and_a_live_one_does_not(khanh_hoa, done_job) -> None:
    """A running job whose heartbeat stopped (its worker died) can be retried from its page
    at once; one that is beating cannot (it would run twice); another province's user gets
    404 on both the page and the retry."""
    now = timezone.now()
    ReportJob.objects.filter(pk=done_job.pk).update(state=State.RUNNING, heartbeat_at=now)
    client = client_for(khanh_hoa.province_reviewer)
    page = client.get(reverse("reports:report_detail", args=[done_job.pk])).content.decode()
    assert 'id="retry"' not in page
    client.post(reverse("reports:report_retry", args=[done_job.pk]))
    assert ReportJob.objects.get(pk=done_job.pk).state == State.RUNNING  # left alone

    ReportJob.objects.filter(pk=done_job.pk).update(heartbeat_at=now - timedelta(minutes=2))
    page = client.get(reverse("reports:report_detail", args=[done_job.pk])).content.decode()
    assert 'id="job-stuck"' in page and 'id="retry"' in page
    stranger = factories.UserFactory(username="caobang.xem")
    factories.AssignmentFactory(user=stranger, unit=khanh_hoa.cao_bang, role=Role.VIEWER)
    retry = reverse("reports:report_retry", args=[done_job.pk])
    assert client_for(stranger).post(retry).status_code == 404

    client.post(retry)
    done_job.refresh_from_db()
    assert (done_job.state, done_job.attempts) == (State.DONE, 2)


def test_requesting_again_while_running_opens_the_running_job(khanh_hoa, catalog) -> None:
    client = client_for(khanh_hoa.province_reviewer)
    form = {
        "program": _program_pk(),
        "unit": khanh_hoa.province.pk,
        "start": "2025-01",
        "end": "2025-06",
        "format": "xlsx",
    }
    with mock.patch("reports.services._enqueue"):
        first = client.post(reverse("reports:report_list"), form)
        second = client.post(reverse("reports:report_list"), form, follow=True)
    assert ReportJob.objects.count() == 1
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "đang được tạo" in second.content.decode()


def test_nav_has_a_reports_link(khanh_hoa) -> None:
    page = client_for(khanh_hoa.commune_officer).get(reverse("home:home")).content.decode()
    assert f'href="{reverse("reports:report_list")}"' in page
