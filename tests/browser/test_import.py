"""Browser path of a legacy import: the province's admin uploads a long file, sees the preview
(counts, the change per unit and indicator, old → new), commits it, and finds the values in the
commune's month form."""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests import factories
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = """unit_code,indicator_code,month,value,numerator,denominator
22735,939-01,2025-06,7,,
22735,939-06,2025-06,"1.234",,
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
    assert page.get_by_label("939-01", exact=True).input_value() == "7"
    assert page.get_by_label("939-06", exact=True).input_value() == "1.234"
