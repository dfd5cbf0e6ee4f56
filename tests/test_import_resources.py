"""The django-import-export resources behind the admin's import (upload -> dry run -> confirm):
results in the long shape, targets, indicators, units and members, with per-row Vietnamese
errors and the results' history, month totals and locks kept as every write path keeps them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import tablib
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from indicators.models import Indicator, MonthTotal, Result, Submission, SubmissionState, Target
from indicators.resources import IndicatorResource, ResultResource, TargetResource
from members.models import Member, Unit, UnitSuccession
from members.resources import MemberResource, UnitResource
from programs.models import Program
from tests import factories

HEADERS = ["unit_code", "indicator_code", "month", "value", "numerator", "denominator"]
JUNE = datetime.date(2025, 6, 1)


def _data(headers: list[str], *rows: list[object]) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=headers)


def _errors(result) -> list[tuple[int, list[str]]]:
    return [
        (row.number, sorted(m for ms in row.error_dict.values() for m in ms))
        for row in result.invalid_rows
    ]


@pytest.fixture
def units(khanh_hoa, catalog):
    return khanh_hoa


def test_a_figure_derived_from_activities_loads_from_a_legacy_file(units) -> None:
    """939-06 (classes held) comes from activity records now; the years before them have only
    the typed figure, which an import brings in."""
    data = _data(HEADERS, ["22735", "939-06", "2024-06", "3", "", ""])
    result = ResultResource().import_data(data, dry_run=False)
    assert _errors(result) == []
    assert Result.objects.get(indicator__code="939-06").value == 3


def test_results_dry_run_reports_each_row_in_vietnamese(units) -> None:
    program = Program.objects.get(code="DA939")
    Submission.objects.create(unit=units.nha_trang, program=program, month=JUNE,
                              state=SubmissionState.APPROVED)  # fmt: skip
    data = _data(
        HEADERS,
        ["22735", "939-01", "2025-06", "7", "", ""],
        ["22735", "939-04", "2025-06", "bảy", "", ""],
        ["99999", "939-04", "2025-06", "1", "", ""],
        ["22735", "939-02", "2025-06", "", "5", "3"],
        ["22333", "939-01", "2025-06", "2", "", ""],
    )
    result = ResultResource().import_data(data, dry_run=True)
    assert _errors(result) == [
        (2, ["«bảy» không phải là số"]),
        (3, ["không có đơn vị mã «99999»"]),
        (4, ["tử số (5) lớn hơn mẫu số (3)"]),
        (5, ["tháng 06/2025 đã khóa (đã gửi hoặc đã duyệt): cần mở khóa trước"]),
    ]
    assert not Result.objects.exists()


def test_results_import_keeps_history_totals_and_is_idempotent(units) -> None:
    data = _data(
        HEADERS,
        ["22735", "939-01", "2025-06", "1.234", "", ""],
        ["22333", "939-01", "2025-06", "6", "", ""],
        ["22333", "939-02", "2025-06", "", "3", "4"],
    )
    # Importing results is the admin role's (Action.IMPORT).
    importer = factories.AssignmentFactory(unit=units.province, role=Role.ADMIN).user
    result = ResultResource().import_data(data, dry_run=False, user=importer)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Result.objects.count() == 3
    saved = Result.objects.get(unit=units.ba_ngoi)
    assert saved.value == Decimal(1234)
    assert saved.history.get().history_change_reason == "import"
    total = MonthTotal.objects.get(unit=units.province, indicator__code="939-01", month=JUNE)
    assert total.value == Decimal(1240)
    again = ResultResource().import_data(data, dry_run=False)
    assert again.totals["skip"] == 3
    assert Result.history.count() == 3


def test_targets_and_indicators(units) -> None:
    targets = _data(
        ["unit_code", "indicator_code", "period_end", "value", "note"],
        ["22735", "939-01", "2025-12-31", "1.200", "NQ 2025"],
        ["22735", "939-99", "2025-12-31", "5", ""],
    )
    result = TargetResource().import_data(targets, dry_run=True)
    assert _errors(result) == [(2, ["không có chỉ tiêu mã «939-99»"])]
    TargetResource().import_data(_data(targets.headers, targets[0]))
    assert Target.objects.get(unit=units.ba_ngoi).value == Decimal(1200)
    indicators = _data(
        ["program", "code", "name_vi", "name_en", "unit", "rule", "level", "periodicity",
         "position", "aliases"],
        ["DA939", "939-01", "Số phụ nữ khởi nghiệp được hỗ trợ", "", "người", "cumulative",
         "commune", "month", "1", "Số PN khởi nghiệp"],
        ["DA999", "999-01", "Không có", "", "người", "sum", "commune", "month", "1", ""],
    )  # fmt: skip
    result = IndicatorResource().import_data(indicators, dry_run=False)
    assert _errors(result) == [(2, ["không có chương trình mã «DA999»"])]
    assert not Indicator.objects.filter(code="999-01").exists()


def test_units_are_renamed_not_created(units) -> None:
    data = _data(
        ["code", "name", "short_name", "level", "parent_code", "valid_from", "valid_to"],
        ["22735", "Phường Ba Ngòi (mới)", "Ba Ngòi", "commune", "56", "", ""],
        ["77777", "Xã Không Có", "", "commune", "56", "", ""],
    )
    result = UnitResource().import_data(data, dry_run=False)
    assert [n for n, _m in _errors(result)] == [2]
    assert Unit.objects.get(code="22735").short_name == "Ba Ngòi"
    assert not Unit.objects.filter(code="77777").exists()


def test_members_checked_like_the_form(units) -> None:
    data = _data(
        ["full_name", "birth_year", "ethnicity", "phone", "branch_code", "joined_on"],
        ["Nguyễn Thị Lan", "1985", "01", "0905123456", units.ba_ngoi_branch.code, "2024-03-08"],
        ["Trần Thị Hoa", "2020", "01", "", units.ba_ngoi_branch.code, "2024-03-08"],
    )
    result = MemberResource().import_data(data, dry_run=False)
    assert [n for n, _m in _errors(result)] == [2]
    assert list(Member.objects.values_list("full_name", flat=True)) == []  # all or nothing
    MemberResource().import_data(_data(data.headers, data[0]), dry_run=False)
    member = Member.objects.get()
    assert (member.full_name, member.province_id) == ("Nguyễn Thị Lan", units.province.pk)


def test_admin_import_page_previews_results(admin_client, units) -> None:
    url = reverse("admin:indicators_result_import")
    content = ",".join(HEADERS) + "\n22735,939-01,2025-06,x,,\n"
    response = admin_client.post(
        url,
        {"import_file": SimpleUploadedFile("kq.csv", content.encode()), "format": "0",
         "resource": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "«x» không phải là số" in response.content.decode()


def test_a_member_import_reaches_only_the_importers_branches(units) -> None:
    """A staff user of Khánh Hòa cannot put a member into a Cao Bằng branch, and the admin's
    list of members shows theirs only."""
    from accounts.models import Role
    from members.admin import MemberAdmin
    from tests import factories

    officer = factories.AssignmentFactory(
        user=factories.UserFactory(username="quantri.khanhhoa", is_staff=True),
        unit=units.province,
        role=Role.ADMIN,
    ).user
    cao_bang_branch = factories.branch(units.thuc_phan, 1)
    headers = ["full_name", "birth_year", "ethnicity", "phone", "branch_code", "joined_on"]
    data = _data(headers, ["Hoàng Thị Mai", "1990", "01", "", cao_bang_branch.code, "2024-03-08"])
    result = MemberResource().import_data(data, dry_run=True, user=officer)
    assert _errors(result) == [(1, [f"không có chi hội mã «{cao_bang_branch.code}»"])]

    factories.member(cao_bang_branch)
    mine = factories.member(units.ba_ngoi_branch)
    request = type("Request", (), {"user": officer})()
    shown = MemberAdmin(Member, admin.site).get_queryset(request)
    assert list(shown) == [mine]


def test_the_admins_import_refuses_a_month_in_which_the_unit_did_not_exist(units) -> None:
    """PRODUCT.md: nothing is written for a unit in a month when it did not exist (issue 16,
    item 6): the row's error names the unit's dates and its successor."""
    old = factories.commune(units.province, "Xã Phước Đồng", "22366")
    old.valid_to = datetime.date(2025, 6, 30)
    old.save()
    UnitSuccession.objects.create(
        predecessor=old, successor=units.nha_trang, effective_on=datetime.date(2025, 7, 1)
    )
    data = _data(HEADERS, ["22366", "939-01", "2025-08", "3", "", ""])

    result = ResultResource().import_data(data, dry_run=False)

    [(row, messages)] = _errors(result)
    assert row == 1 and len(messages) == 1
    assert (
        "Xã Phước Đồng không tồn tại vào tháng 08/2025 (đơn vị có hiệu lực đến 30/06/2025)"
        in (messages[0])
    )
    assert f"đã sáp nhập vào {units.nha_trang.name}" in messages[0]
    assert not Result.objects.exists()
