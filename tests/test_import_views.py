"""The /nhap-du-lieu/ pages: upload, preview, commit, history; admins only, by scope."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from imports.models import BatchState, ImportBatch
from indicators.models import Result
from tests import factories

HEADER = "unit_code,indicator_code,month,value,numerator,denominator"


def _upload(client, unit, *rows: str, name: str = "ket-qua.csv", content: bytes | None = None):
    data = content if content is not None else "\n".join([HEADER, *rows]).encode()
    return client.post(
        reverse("imports:import_list"),
        {"file": SimpleUploadedFile(name, data), "unit": unit.pk, "period": ""},
    )


@pytest.fixture
def admins(khanh_hoa, catalog):
    def admin(username: str, unit):
        return factories.AssignmentFactory(
            user=factories.UserFactory(username=username), unit=unit, role=Role.ADMIN
        ).user

    return {
        "khanh_hoa": admin("quantri.khanhhoa", khanh_hoa.province),
        "cao_bang": admin("quantri.caobang", khanh_hoa.cao_bang),
    }


def test_upload_preview_commit(client, khanh_hoa, admins) -> None:
    client.force_login(admins["khanh_hoa"])
    response = _upload(client, khanh_hoa.province, "22735,939-01,2025-06,7,,",
                       "22333,939-04,2025-Q2,\"1.234\",,")  # fmt: skip
    batch = ImportBatch.objects.get()
    assert response.url == reverse("imports:import_detail", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert batch.state == BatchState.PREVIEWED and len(batch.sha256) == 64
    assert batch.counts["results"] == {"new": 2, "changed": 0, "unchanged": 0, "blocked": 0}
    assert "Ghi vào hệ thống" in page and "1.234" in page
    assert not Result.objects.exists()
    client.post(reverse("imports:import_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == BatchState.COMMITTED and batch.committed_at is not None
    assert Result.objects.get(unit=khanh_hoa.nha_trang).value == Decimal(1234)
    listing = client.get(reverse("imports:import_list")).content.decode()
    assert "ket-qua.csv" in listing and "Đã ghi vào hệ thống" in listing


def test_errors_listed_and_no_commit(client, khanh_hoa, admins) -> None:
    client.force_login(admins["khanh_hoa"])
    _upload(client, khanh_hoa.province, "22735,939-01,2025-06,7,,", "22333,939-77,2025-06,x,,")
    batch = ImportBatch.objects.get()
    page = client.get(reverse("imports:import_detail", args=[batch.pk])).content.decode()
    assert "không có chỉ tiêu mã «939-77»" in page and "«x» không phải là số" in page
    assert 'id="batch-commit"' not in page
    client.post(reverse("imports:import_commit", args=[batch.pk]))
    assert not Result.objects.exists()


def test_another_provinces_admin_gets_404(client, khanh_hoa, admins) -> None:
    client.force_login(admins["khanh_hoa"])
    _upload(client, khanh_hoa.province, "22735,939-01,2025-06,7,,")
    batch = ImportBatch.objects.get()
    kept = client.get(reverse("imports:import_file", args=[batch.pk]))
    assert b"".join(kept.streaming_content).startswith(HEADER.encode())
    client.force_login(admins["cao_bang"])
    for name in ("imports:import_detail", "imports:import_status", "imports:import_file"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 404
    assert client.post(reverse("imports:import_commit", args=[batch.pk])).status_code == 404
    assert "ket-qua.csv" not in client.get(reverse("imports:import_list")).content.decode()
    # Nor can they import for Khánh Hòa's units: the unit is not among the choices.
    response = _upload(client, khanh_hoa.province, "22735,939-01,2025-06,7,,")
    assert response.status_code == 200 and ImportBatch.objects.count() == 1


def test_only_admins_may_import(client, khanh_hoa, admins) -> None:
    client.force_login(khanh_hoa.commune_officer)
    assert client.get(reverse("imports:import_list")).status_code == 403


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bao-cao.xlsx", b"PK\x03\x04garbage", "Tệp «bao-cao.xlsx»: tệp hỏng, không mở được"),
        ("bao-cao.docx", b"just words", "«bao-cao.docx»: nội dung là CSV, không khớp"),
    ],
)
def test_bad_files_get_a_message(client, khanh_hoa, admins, name, content, message) -> None:
    client.force_login(admins["khanh_hoa"])
    response = _upload(client, khanh_hoa.province, name=name, content=content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_too_big_upload_is_refused(client, khanh_hoa, admins, settings) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    client.force_login(admins["khanh_hoa"])
    response = _upload(client, khanh_hoa.province, *["22735,939-01,2025-06,7,,"] * 10)
    assert "Tệp «ket-qua.csv»: tệp quá lớn" in response.content.decode()


def test_big_files_run_as_jobs_with_progress(
    client, khanh_hoa, admins, settings, django_capture_on_commit_callbacks
) -> None:
    settings.IMPORT_INLINE_ROWS = 1
    client.force_login(admins["khanh_hoa"])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        _upload(client, khanh_hoa.province, "22735,939-01,2025-06,7,,", "22333,939-01,2025-06,2,,")
    batch = ImportBatch.objects.get()
    status = client.get(reverse("imports:import_status", args=[batch.pk])).json()
    assert status == {"state": "queued", "state_label": "Đang chờ", "progress": 0, "active": True}
    assert (
        'data-active="1"'
        in client.get(reverse("imports:import_detail", args=[batch.pk])).content.decode()
    )
    for callback in queued:  # the worker's part (eager Celery)
        callback()
    assert (
        client.get(reverse("imports:import_status", args=[batch.pk])).json()["state"] == "previewed"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:import_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.state, batch.progress) == (BatchState.COMMITTED, 100)
    assert Result.objects.count() == 2


def test_a_failed_commit_is_reported_and_writes_nothing(client, khanh_hoa, admins) -> None:

    from django.db import DatabaseError

    client.force_login(admins["khanh_hoa"])
    _upload(client, khanh_hoa.province, "22735,939-01,2025-06,7,,", "22333,939-01,2025-06,2,,")
    batch = ImportBatch.objects.get()
    with mock.patch("indicators.cycle.bulk.write_targets", side_effect=DatabaseError("ổ đĩa đầy")):
        client.post(reverse("imports:import_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == BatchState.FAILED
    assert batch.error == "Ghi thất bại, không có gì được ghi (ổ đĩa đầy)."
    assert (
        "Ghi thất bại"
        in client.get(reverse("imports:import_detail", args=[batch.pk])).content.decode()
    )
    assert not Result.objects.exists()


def test_a_batch_is_committed_once(client, khanh_hoa, admins) -> None:
    from imports import batches

    client.force_login(admins["khanh_hoa"])
    _upload(client, khanh_hoa.province, "22735,939-01,2025-06,7,,")
    batch = ImportBatch.objects.get()
    assert batches.run_commit(batch.pk, None) == BatchState.COMMITTED
    with mock.patch("imports.services.commit") as commit:
        assert batches.run_commit(batch.pk, None) == BatchState.COMMITTED  # a redelivered job
    commit.assert_not_called()


def test_the_upload_still_needs_its_csrf_token(khanh_hoa, admins) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admins["khanh_hoa"])
    assert _upload(client, khanh_hoa.province, "22735,939-01,2025-06,7,,").status_code == 403
    assert not ImportBatch.objects.exists()


def test_a_commit_whose_worker_died_is_retaken_by_the_redelivered_job(
    client, khanh_hoa, admins
) -> None:
    """The commit is one transaction: a worker that died in it wrote nothing, and left the
    batch "committing". A redelivered job retakes it once it has not moved for a long time,
    never while another run may still be writing."""
    import datetime

    from django.utils import timezone

    from imports import batches

    client.force_login(admins["khanh_hoa"])
    _upload(client, khanh_hoa.province, "22735,939-01,2025-06,7,,")
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(
        state=BatchState.COMMITTING, heartbeat_at=timezone.now()
    )
    assert batches.run_commit(batch.pk, None) == BatchState.COMMITTING  # may still be writing
    assert not Result.objects.exists()

    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=an_hour_ago)
    assert batches.run_commit(batch.pk, None) == BatchState.COMMITTED
    assert Result.objects.get().value == 7


def test_a_failed_batch_is_run_again_from_its_page(
    client, khanh_hoa, admins, django_capture_on_commit_callbacks
) -> None:
    from django.db import DatabaseError

    client.force_login(admins["khanh_hoa"])
    _upload(client, khanh_hoa.province, "22735,939-01,2025-06,7,,")
    batch = ImportBatch.objects.get()
    with mock.patch("indicators.cycle.bulk.write_targets", side_effect=DatabaseError("ổ đĩa đầy")):
        client.post(reverse("imports:import_commit", args=[batch.pk]))
    page = client.get(reverse("imports:import_detail", args=[batch.pk])).content.decode()
    assert 'id="batch-retry"' in page
    retry = reverse("imports:import_retry", args=[batch.pk])
    client.force_login(admins["cao_bang"])
    assert client.post(retry).status_code == 404  # scoped like the page
    client.force_login(admins["khanh_hoa"])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(retry)  # the file is read and planned again (in-process here)
    batch.refresh_from_db()
    assert (batch.state, batch.error) == (BatchState.PREVIEWED, "")
    client.post(reverse("imports:import_commit", args=[batch.pk]))
    assert Result.objects.get().value == 7


def test_a_commit_whose_worker_died_is_sent_again_by_the_sweep(
    client, khanh_hoa, admins, settings, django_capture_on_commit_callbacks
) -> None:
    """The job's heartbeat stopped 40 s ago (IMPORT_STALE_SECONDS is 30): the sweep re-sends
    the commit, with who asked for it, and the next run writes the file once."""
    import datetime

    from django.utils import timezone

    from imports import batches

    settings.IMPORT_INLINE_ROWS = 0
    client.force_login(admins["khanh_hoa"])
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, khanh_hoa.province, "22735,939-01,2025-06,7,,")
    batch = ImportBatch.objects.get()
    # The worker takes it, then dies.
    with (
        mock.patch("imports.tasks.commit_import.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(reverse("imports:import_commit", args=[batch.pk]))
    silent = timezone.now() - datetime.timedelta(seconds=40)
    ImportBatch.objects.filter(pk=batch.pk).update(state=BatchState.COMMITTING, heartbeat_at=silent)
    page = client.get(reverse("imports:import_detail", args=[batch.pk])).content.decode()
    assert 'id="batch-stuck"' in page and 'id="batch-retry"' in page

    with django_capture_on_commit_callbacks(execute=True):
        assert batches.sweep_stuck_batches() == [batch.pk]
    batch.refresh_from_db()
    assert (batch.state, batch.attempts, batch.commit_by) == (
        BatchState.COMMITTED, 2, admins["khanh_hoa"],
    )  # fmt: skip
    assert Result.objects.get().value == 7
