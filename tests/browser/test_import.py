"""Browser paths of a legacy import: the province's admin uploads a long file, sees the preview
(counts, the change per unit and indicator, old → new), commits it, and finds the values in the
commune's month form; a big file is previewed by a job whose progress the page follows."""

from __future__ import annotations

import threading
from collections.abc import Callable
from unittest import mock

import pytest
from django.db import connections
from playwright.sync_api import expect

from accounts.models import Role
from imports import batches
from imports.models import BatchState, ImportBatch
from tests import factories
from tests.browser.helpers import entry_field, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = """unit_code,indicator_code,month,value,numerator,denominator
22735,939-01,2025-06,7,,
22735,939-04,2025-06,"1.234",,
22333,939-01,2025-06,3,,
"""


@pytest.fixture
def setup(khanh_hoa, catalog) -> dict[str, str]:
    # Made before the browser starts (see tests/browser/test_login.py).
    admin = factories.AssignmentFactory(
        user=factories.UserFactory(username="quantri.khanhhoa"),
        unit=khanh_hoa.province,
        role=Role.ADMIN,
    ).user
    return {
        "admin": admin.username,
        "province": str(khanh_hoa.province.pk),
        "ba_ngoi": str(khanh_hoa.ba_ngoi.pk),
    }


def test_admin_uploads_previews_commits_and_sees_the_values(
    setup, live_server, page, tmp_path
) -> None:
    path = tmp_path / "ket-qua-2025-06.csv"
    path.write_text(FILE, encoding="utf-8")
    log_in(page, live_server.url, setup["admin"])
    page.goto(f"{live_server.url}/nhap-du-lieu/")
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_unit", setup["province"])
    page.click("#import-upload button[type=submit]")

    page.wait_for_selector("#batch-counts")
    results = page.locator("#batch-counts tr[data-kind=results]")
    assert results.locator(".new").inner_text() == "3"
    assert results.locator(".changed").inner_text() == "0"
    assert "06/2025: – → 1.234" in page.locator("#batch-groups").inner_text()

    page.click("#batch-commit button")
    page.wait_for_selector(".messages .success")
    assert "Đã ghi vào hệ thống" in page.locator("#batch-state").inner_text()

    page.goto(f"{live_server.url}/nhap-lieu/{setup['ba_ngoi']}/DA939/2025-06/")
    page.wait_for_selector("#entry-form")
    assert entry_field(page, "939-01").input_value() == "7"
    assert entry_field(page, "939-04").input_value() == "1.234"


def _in_own_thread(work: Callable[[], object]) -> None:
    """ORM work while Playwright runs, on a connection that is closed right after."""

    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def test_a_big_file_is_previewed_by_a_job_whose_progress_shows(
    setup, live_server, page, tmp_path, settings
) -> None:
    settings.IMPORT_INLINE_ROWS = 2  # this file's 3 rows count as a big one
    path = tmp_path / "ket-qua-lon.csv"
    path.write_text(FILE, encoding="utf-8")
    log_in(page, live_server.url, setup["admin"])
    page.goto(f"{live_server.url}/nhap-du-lieu/")
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_unit", setup["province"])
    # No worker here: the job waits in the queue while the test plays the worker's part.
    with mock.patch("imports.tasks.preview_import.delay"):
        page.click("#import-upload button[type=submit]")
    page.wait_for_selector("#batch-progress progress")
    assert page.locator("#batch-state").inner_text() == "Đang chờ"

    _in_own_thread(lambda: ImportBatch.objects.update(state=BatchState.PREVIEWING, progress=40))
    # Waited for by the locator: a string function would be evaluated, which the CSP forbids.
    expect(page.locator("#batch-percent")).to_have_text("40%")
    assert page.locator("#batch-state").inner_text() == "Đang đọc tệp"

    _in_own_thread(lambda: batches.run_preview(ImportBatch.objects.get().pk))
    page.wait_for_selector("#batch-counts")  # the page reloads itself once the job is done
    assert page.locator("#batch-counts tr[data-kind=results] .new").inner_text() == "3"
