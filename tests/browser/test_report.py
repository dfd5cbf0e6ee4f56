"""Browser path of a report: a provincial reviewer asks for one from the nav link, watches the
progress move as the job runs, and downloads the workbook once it is done."""

from __future__ import annotations

import threading
from collections.abc import Callable
from unittest import mock

import pytest
from django.db import connections
from openpyxl import load_workbook
from playwright.sync_api import expect

from reports import services
from reports.models import ReportJob, State
from tests.browser.helpers import log_in
from tests.report_data import add_results

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(khanh_hoa, catalog) -> dict[str, str]:
    # Made before the browser starts (see tests/browser/test_login.py).
    program = add_results(khanh_hoa)
    return {
        "reviewer": khanh_hoa.province_reviewer.username,
        "program": str(program.pk),
        "unit": str(khanh_hoa.province.pk),
    }


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


def test_request_watch_progress_and_download(setup, live_server, page, tmp_path) -> None:
    log_in(page, live_server.url, setup["reviewer"])
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    page.select_option("#id_program", setup["program"])
    page.select_option("#id_unit", setup["unit"])
    page.fill("#id_start", "01/2025")
    page.fill("#id_end", "06/2025")
    page.check("input[name=format][value=xlsx]")
    # No worker here: the job waits in the queue while the test plays the worker's part.
    with mock.patch("reports.services._enqueue"):
        page.click("#report-request button[type=submit]")
    page.wait_for_selector("#job-progress progress")
    assert page.locator("#job-state").inner_text() == "Đang chờ"

    _in_own_thread(
        lambda: ReportJob.objects.update(state=State.RUNNING, progress=40)  # a worker's step
    )
    # Waited for by the locator: a string function would be evaluated, which the CSP forbids.
    expect(page.locator("#job-percent")).to_have_text("40%")
    assert page.locator("#job-state").inner_text() == "Đang tạo"

    _in_own_thread(lambda: services.run_job(ReportJob.objects.get().pk))
    page.wait_for_selector("#download-xlsx")  # the page reloads itself once the job is done
    assert page.locator("#job-state").inner_text() == "Hoàn thành"
    with page.expect_download() as download:
        page.click("#download-xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)

    assert saved.name == "bao-cao-DA939-56-2025-01-2025-06.xlsx"
    sheet = load_workbook(saved)["Tiến độ"]
    assert sheet["A2"].value == "HỘI LHPN TỈNH KHÁNH HÒA"
    assert sheet.cell(row=10, column=5).value == 15

    page.get_by_role("link", name="Báo cáo của tôi").click()
    assert "DA939" in page.locator("#my-reports").inner_text()
