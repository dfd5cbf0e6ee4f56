"""Annual legacy figures in the import preview (issue 18): a year's total is measured against
earlier years' totals, never against monthly peaks (one sheet gave 176 warnings "cao bất
thường ... cao nhất 0"); warnings are grouped by indicator with a count; and a file with
nothing to write (every month locked) is not offered for writing, with the reason."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from imports.models import ImportBatch
from indicators.cycle.bulk import LoadedEntry
from indicators.cycle.recording import record_results
from indicators.models import Indicator, Result, Submission, SubmissionState
from programs.models import Program
from tests import factories

pytestmark = pytest.mark.django_db
HEADER = "unit_code,indicator_code,month,value,numerator,denominator"
D = datetime.date


@pytest.fixture
def admin_client(client, khanh_hoa, catalog):
    admin = factories.AssignmentFactory(
        user=factories.UserFactory(username="quantri.khanhhoa"),
        unit=khanh_hoa.province,
        role=Role.ADMIN,
    ).user
    client.force_login(admin)
    return client


def _history(unit, code: str, values: dict[datetime.date, int], covers: int = 1) -> None:
    indicator = Indicator.objects.get(code=code)
    record_results(
        [
            LoadedEntry(unit, indicator, month, Decimal(v), covers_months=covers)
            for month, v in values.items()
        ],
        source="import",
    )


def _preview(client, khanh_hoa, *rows: str) -> tuple[ImportBatch, str]:
    data = "\n".join([HEADER, *rows]).encode()
    client.post(
        reverse("imports:import_list"),
        {"file": SimpleUploadedFile("ket-qua.csv", data), "unit": khanh_hoa.province.pk},
    )
    batch = ImportBatch.objects.latest("pk")
    return batch, client.get(reverse("imports:import_detail", args=[batch.pk])).content.decode()


def test_a_years_total_is_not_measured_against_monthly_peaks(admin_client, khanh_hoa) -> None:
    # A commune that reported nothing month by month in 2024, then a year's total of 57.
    _history(khanh_hoa.ba_ngoi, "939-01", {D(2024, m, 1): 0 for m in range(1, 12)})

    batch, page = _preview(admin_client, khanh_hoa, "22735,939-01,2024,57,,")

    assert batch.counts["warnings"] == 0, batch.warnings
    assert "cao bất thường" not in page


def test_a_years_total_is_measured_against_earlier_years_totals(admin_client, khanh_hoa) -> None:
    _history(khanh_hoa.ba_ngoi, "939-01", {D(2023, 12, 1): 8}, covers=12)

    batch, _page = _preview(admin_client, khanh_hoa, "22735,939-01,2024,57,,")

    assert [w["message"] for w in batch.warnings] == [
        "cao bất thường so với các kỳ 12 tháng trước (cao nhất 8): xin kiểm tra lại"
    ]


def test_a_month_is_not_measured_against_a_years_total(admin_client, khanh_hoa) -> None:
    _history(khanh_hoa.ba_ngoi, "939-01", {D(2024, 12, 1): 500}, covers=12)
    _history(khanh_hoa.ba_ngoi, "939-01", {D(2025, m, 1): 1 for m in range(1, 4)})

    batch, _page = _preview(admin_client, khanh_hoa, "22735,939-01,2025-04,40,,")

    assert [w["message"] for w in batch.warnings] == [
        "cao bất thường so với 12 tháng trước (cao nhất 1): xin kiểm tra lại"
    ]


def test_warnings_are_grouped_by_indicator_with_a_count(
    admin_client, khanh_hoa, monkeypatch
) -> None:
    monkeypatch.setattr("imports.views.SHOWN_PER_GROUP", 3)
    _history(khanh_hoa.ba_ngoi, "939-01", {D(2025, m, 1): 1 for m in range(1, 4)})
    rows = [f"22735,939-01,2025-{m:02d},50,," for m in range(4, 11)]

    batch, page = _preview(admin_client, khanh_hoa, *rows)

    assert batch.counts["warnings"] == 7
    assert page.count('<details class="warning-group"') == 1
    assert 'data-group="939-01"' in page and "7 cảnh báo" in page
    assert page.count("cao bất thường so với 12 tháng trước") == 3
    assert "… và 4 cảnh báo nữa cùng loại." in page


def test_nothing_to_write_is_said_and_not_offered(admin_client, khanh_hoa) -> None:
    program = Program.objects.get(code="DA939")
    for month in (D(2025, 5, 1), D(2025, 6, 1)):
        Submission.objects.create(
            unit=khanh_hoa.ba_ngoi, program=program, month=month, state=SubmissionState.APPROVED
        )

    batch, page = _preview(
        admin_client, khanh_hoa, "22735,939-01,2025-05,7,,", "22735,939-01,2025-06,9,,"
    )

    assert batch.counts["results"]["blocked"] == 2 and not batch.errors
    assert 'id="batch-commit"' not in page and "Ghi vào hệ thống" not in page
    assert "Không có gì để ghi: 2 số liệu của tệp nằm ở tháng đã khóa" in page
    assert 'data-group="tháng đã khóa"' in page
    refused = admin_client.post(reverse("imports:import_commit", args=[batch.pk]), follow=True)
    assert "không có gì để ghi" in refused.content.decode()
    assert not Result.objects.exists()


def test_an_annual_wide_sheet_previews_without_monthly_warnings(catalog, tmp_path) -> None:
    """The shape of the sheet of the issue: a province's customary annual report, one row per
    commune, its communes with a year of monthly figures at 0 (or 1) behind them."""
    from imports import services
    from imports.readers.wide import read_wide
    from members.models import Level, Unit
    from members.services import load_units
    from tests.legacy_files import NAME_939_01, NAME_939_06, WideFile

    load_units(["Cao Bằng"])
    province = Unit.objects.get(level=Level.PROVINCE, code="04")
    in_2024 = [
        u
        for u in Unit.objects.within_any([province]).filter(level=Level.COMMUNE).order_by("path")
        if u.is_valid_on(D(2024, 1, 1)) and u.is_valid_on(D(2024, 12, 31))
    ]
    names = [u.name for u in in_2024]
    communes = [u for u in in_2024 if names.count(u.name) == 1][:3]
    names = [u.name for u in communes]
    for commune in communes:
        for code in ("939-01", "939-06"):
            _history(commune, code, {D(2024, m, 1): m % 2 for m in range(1, 12)})
    path = WideFile(
        titles=["HỘI LHPN TỈNH CAO BẰNG", "BÁO CÁO KẾT QUẢ NĂM 2024"],
        indicators=[NAME_939_01, NAME_939_06],
        rows=[(name, [40, 37, "92%", 6, 5, "83%"]) for name in names],
    ).save(tmp_path / "nam-2025.xlsx")

    plan = services.plan(read_wide(path))

    assert plan.errors == [] and len(plan.new) == 6
    assert {e.covers_months for e in plan.new} == {12}
    assert not [w for w in plan.warnings if "cao bất thường" in w.message], plan.warnings
