"""Every export the portal writes (the dashboard's workbook, the report workbook, the member
register, the admin's CSV and Excel exports of members, units and results) with the OWASP
CSV-injection payloads in its text cells: none is written as a live formula."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.contrib.admin import site
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from common.spreadsheet import FORMULA_TRIGGERS, safe_cell, safe_text
from indicators.models import Indicator, Result
from members.models import Member, Unit
from reports.excel import build_workbook
from reports.selectors import report_content
from tests import factories
from tests.report_data import add_results, month

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(1)", "\t=1", "\r=1"]
CODES = ["=A1", "+A1", "-1+1", "@SUM(1)", "\t=1", "\r=1"]  # unit codes hold 20 characters
PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9.,]*$")


def test_safe_cell_quotes_every_trigger_and_keeps_numbers() -> None:
    for payload in PAYLOADS:
        assert safe_text(payload) == "'" + payload
    assert safe_cell(12) == 12 and safe_cell(Decimal("-3.5")) == Decimal("-3.5")
    assert safe_cell(datetime.date(2025, 1, 1)) == datetime.date(2025, 1, 1)
    assert safe_cell(None) is None and safe_text(None) == ""
    assert safe_text("-12,5") == "-12,5"  # a negative number as text is no formula
    assert safe_text("Nguyễn Thị Hoà") == "Nguyễn Thị Hoà"


def _assert_no_live_formula(cells: list[object], payloads: list[str]) -> None:
    texts = [c.replace("\r\n", "\n").replace("\r", "\n") for c in cells if isinstance(c, str)]
    for text in texts:
        assert not text.startswith("=")
        if text.startswith(FORMULA_TRIGGERS) or text.startswith("\n"):
            assert PLAIN_NUMBER.match(text), repr(text)
    for payload in payloads:
        quoted = ("'" + payload).replace("\r", "\n")
        assert quoted in texts, (payload, texts)


def _xlsx_cells(content: bytes) -> list[object]:
    book = load_workbook(io.BytesIO(content))  # formulas kept as formulas (no data_only)
    cells: list[object] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                cells.append(cell.value)
    return cells


def _csv_cells(content: bytes) -> list[object]:
    return [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]


@pytest.fixture
def payload_units(khanh_hoa, catalog):
    """Six communes of Khánh Hòa named and coded with the payloads, a branch each, a member
    each whose name and phone are payloads, and a result each."""
    communes = []
    for number, (name, code) in enumerate(zip(PAYLOADS, CODES, strict=True)):
        commune = factories.commune(khanh_hoa.province, f"Xã {number}", f"9{number}000")
        Unit.objects.filter(pk=commune.pk).update(name=name, code=code)
        branch = factories.branch(commune, 1)
        member = factories.member(branch, "Nguyễn Thị Hoa")
        Member.objects.filter(pk=member.pk).update(full_name=name, phone=code)
        communes.append(Unit.objects.get(pk=commune.pk))
    h01 = Indicator.objects.get(code="H-01")
    for commune in communes:
        Result.objects.create(
            unit=commune, indicator=h01, month=datetime.date(2025, 10, 1), value=Decimal(-2)
        )
    return communes


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_dashboard_workbook(khanh_hoa, payload_units) -> None:
    url = reverse("indicators:dashboard", args=[khanh_hoa.province.pk, "CTH"])
    response = _client(khanh_hoa.province_reviewer).get(
        url, {"thang": "2025-10", "chi_tieu": "H-01", "xuat": "xlsx"}
    )
    assert response.status_code == 200
    _assert_no_live_formula(_xlsx_cells(response.content), PAYLOADS)


def test_report_workbook(khanh_hoa, payload_units) -> None:
    program = add_results(khanh_hoa)
    content = report_content(program, khanh_hoa.province, month("2025-01"), month("2025-06"))
    _assert_no_live_formula(_xlsx_cells(build_workbook(content)), PAYLOADS)


def test_member_register_export(khanh_hoa, payload_units) -> None:
    # Exporting the register is for the entry and admin roles (accounts.access.EXPORT_MEMBERS).
    province_admin = factories.AssignmentFactory(
        user=factories.UserFactory(username="quantri.khanhhoa"),
        unit=khanh_hoa.province,
        role=Role.ADMIN,
    ).user
    response = _client(province_admin).get(reverse("members:register_export"))
    assert response.status_code == 200
    _assert_no_live_formula(_xlsx_cells(response.content), PAYLOADS + CODES)


def _admin_export(model: type, resource: str, fields: list[str], fmt: str) -> bytes:
    admin = site._registry[model]
    formats = [f for f in admin.get_export_formats() if f().can_export()]
    index = next(i for i, f in enumerate(formats) if f.__name__ == fmt)
    client = Client()
    client.force_login(factories.UserFactory(username="qt", is_superuser=True, is_staff=True))
    data = {"format": str(index), "resource": "0"}
    data.update({f"{resource}_{name}": "on" for name in fields})
    opts = model._meta
    response = client.post(f"/quan-tri/{opts.app_label}/{opts.model_name}/export/", data)
    assert response.status_code == 200, response.content[:2000]
    assert "attachment" in response["Content-Disposition"]
    return response.content


@pytest.mark.parametrize("fmt", ["CSV", "XLSX"])
@pytest.mark.parametrize(
    ("model", "resource", "fields", "payloads"),
    [
        (Member, "memberresource", ["full_name", "phone", "branch"], PAYLOADS + CODES),
        (Unit, "unitresource", ["code", "name", "level"], PAYLOADS + CODES),
        (Result, "resultresource", ["unit", "indicator", "month", "value"], CODES),
    ],
)
def test_admin_exports(payload_units, model, resource, fields, payloads, fmt) -> None:
    content = _admin_export(model, resource, fields, fmt)
    cells = _xlsx_cells(content) if fmt == "XLSX" else _csv_cells(content)
    _assert_no_live_formula(cells, payloads)
