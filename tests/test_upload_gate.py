"""The one upload gate (common.uploads) on every upload path: the legacy import, the member
import, activity attachments and the admin's imports each refuse a zip bomb, a renamed file and
an oversized file, with a Vietnamese message naming the file, and accept a real sheet."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from import_export.admin import ImportMixin
from openpyxl import Workbook

from accounts.models import Role
from common import uploads
from common.admin_imports import GatedImportForm
from imports.models import ImportBatch
from members.models import Member
from programs.models import Activity, Attachment
from tests import factories
from tests.test_activity_pages import form_data

pytestmark = pytest.mark.django_db

REAL_SHEET = Path(__file__).parent / "data" / "legacy" / "wide-939-cao-bang-2025.xlsx"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def zip_bomb(unpacked: int = 20 * 2**20) -> bytes:
    """A workbook whose sheet unpacks to `unpacked` bytes from about a thousandth of that
    (the probe's bomb: 1.37 MB to ~280 MB); small enough to build in a test."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", b'<?xml version="1.0"?><workbook/>')
        archive.writestr("xl/worksheets/sheet1.xml", b"<row r='1'/>" * (unpacked // 12))
    return buffer.getvalue()


def entity_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b'<?xml version="1.0"?><workbook/>')
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<worksheet>&b;</worksheet>",
        )
    return buffer.getvalue()


def register_sheet() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Họ và tên", "Năm sinh", "Dân tộc", "Ngày vào Hội"])
    sheet.append(["Nông Thị Lan", 1985, "Tày", "08/03/2020"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


BOMB = zip_bomb()
REFUSALS = {  # what is sent (name, bytes) and the words the refusal must say
    "bomb": ("bang-tinh.xlsx", BOMB, "nén quá mức"),
    "renamed": ("bang-tinh.xlsx", EXE, "nội dung không đúng định dạng như tên tệp"),
}


def test_the_bomb_is_small_but_unpacks_a_thousandfold() -> None:
    assert len(BOMB) < 100_000
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(BOMB)).infolist()) > 20_000_000


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        *REFUSALS.values(),
        ("so-lieu.xlsx", entity_bomb(), "khai báo DOCTYPE/ENTITY"),
        ("so-lieu.csv", REAL_SHEET.read_bytes(), "không khớp với đuôi tệp .csv"),
        ("so-lieu.xlsx", b"unit_code,month\n22735,2025-06\n", "không khớp với đuôi tệp .xlsx"),
        ("chuong-trinh.exe", EXE, "chỉ nhận"),
        ("bien-ban.xlsx", PDF, "chỉ nhận"),
    ],
)
def test_the_gate_refuses_by_content(name: str, content: bytes, message: str) -> None:
    with pytest.raises(uploads.UnsafeFile, match=message) as caught:
        uploads.check(content, uploads.sheet_rules(), name=name)
    assert f"«{name}»" in str(caught.value)


def test_the_gate_reads_real_sheets_by_their_content() -> None:
    assert uploads.check(REAL_SHEET.read_bytes(), uploads.sheet_rules(), name="") == "xlsx"
    assert uploads.check(REAL_SHEET, uploads.sheet_rules()) == "xlsx"
    csv = b"unit_code,indicator_code,month,value\n22735,939-01,2025-06,7\n"
    assert uploads.check(csv, uploads.sheet_rules(), name="ket-qua.csv") == "csv"
    assert uploads.check(PDF, uploads.attachment_rules(), name="bien-ban.pdf") == "pdf"


# -- the legacy import (/nhap-du-lieu/) ------------------------------------------------------


@pytest.fixture
def importer(khanh_hoa, catalog) -> Client:
    client = Client()
    client.force_login(
        factories.AssignmentFactory(
            user=factories.UserFactory(username="quantri.caobang"),
            unit=khanh_hoa.cao_bang,
            role=Role.ADMIN,
        ).user
    )
    return client


def _legacy(client: Client, unit, name: str, content: bytes):
    return client.post(
        reverse("imports:import_list"),
        {"file": SimpleUploadedFile(name, content), "unit": unit.pk, "period": ""},
    )


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_legacy_import_refuses(importer, khanh_hoa, case: str) -> None:
    name, content, message = REFUSALS[case]
    page = _legacy(importer, khanh_hoa.cao_bang, name, content).content.decode()
    assert f"Tệp «{name}»" in page and message in page
    assert not ImportBatch.objects.exists()


def test_legacy_import_refuses_an_oversized_file_and_takes_a_real_sheet(
    importer, khanh_hoa, settings
) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 4000
    page = _legacy(importer, khanh_hoa.cao_bang, REAL_SHEET.name, REAL_SHEET.read_bytes())
    assert "quá lớn (0,0 MB, tối đa 0,0 MB)" in page.content.decode()
    assert not ImportBatch.objects.exists()
    settings.IMPORT_MAX_UPLOAD_BYTES = 20 * 2**20
    response = _legacy(importer, khanh_hoa.cao_bang, REAL_SHEET.name, REAL_SHEET.read_bytes())
    assert response.status_code == 302
    assert ImportBatch.objects.get().original_name == REAL_SHEET.name


# -- the member import (/hoi-vien/nhap/) -----------------------------------------------------


def _members(khanh_hoa, name: str, content: bytes):
    client = Client()
    client.force_login(khanh_hoa.commune_officer)
    return client.post(
        reverse("members:register_import"),
        {"branch": khanh_hoa.ba_ngoi_branch.pk, "file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_member_import_refuses(khanh_hoa, case: str) -> None:
    name, content, message = REFUSALS[case]
    response = _members(khanh_hoa, name, content)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Tệp «{name}»" in page and message in page


def test_member_import_has_lower_limits_and_takes_a_real_sheet(khanh_hoa, settings) -> None:
    settings.MEMBER_IMPORT_MAX_UNPACKED_BYTES = 20_000
    response = _members(khanh_hoa, "hoi-vien.xlsx", REAL_SHEET.read_bytes())  # 24 KB unpacked
    assert response.status_code == 400 and "khi giải nén quá lớn" in response.content.decode()
    settings.MEMBER_IMPORT_MAX_BYTES = 1000
    response = _members(khanh_hoa, "hoi-vien.xlsx", register_sheet())
    assert response.status_code == 400
    assert "Tệp «hoi-vien.xlsx»: tệp quá lớn" in response.content.decode()
    settings.MEMBER_IMPORT_MAX_BYTES = 5 * 2**20
    settings.MEMBER_IMPORT_MAX_UNPACKED_BYTES = 25 * 2**20
    response = _members(khanh_hoa, "hoi-vien.xlsx", register_sheet())
    assert response.status_code == 200 and "Nông Thị Lan" in response.content.decode()
    assert not Member.objects.exists()  # a preview


# -- activity attachments (/hoat-dong/) -------------------------------------------------------


def _attach(khanh_hoa, name: str, content: bytes):
    client = Client()
    client.force_login(khanh_hoa.commune_officer)
    return client.post(
        reverse("programs:activity_add"),
        form_data(khanh_hoa.ba_ngoi) | {"attachment": SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_attachments_refuse(khanh_hoa, catalog, case: str) -> None:
    name, content, message = REFUSALS[case]
    page = _attach(khanh_hoa, name, content).content.decode()
    assert f"Tệp «{name}»" in page and message in page
    assert not Activity.objects.exists()


def test_attachments_refuse_an_oversized_file_and_take_a_real_sheet(
    khanh_hoa, catalog, settings
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 4000
    page = _attach(khanh_hoa, "bao-cao.xlsx", REAL_SHEET.read_bytes()).content.decode()
    assert "Tệp «bao-cao.xlsx»: tệp quá lớn" in page
    assert not Activity.objects.exists()
    settings.ATTACHMENT_MAX_BYTES = 10 * 2**20
    assert _attach(khanh_hoa, "bao-cao.xlsx", REAL_SHEET.read_bytes()).status_code == 302
    assert Attachment.objects.get().name == "bao-cao.xlsx"


# -- the admin's imports (django-import-export) ----------------------------------------------


@pytest.fixture
def superuser(khanh_hoa, catalog) -> Client:
    client = Client()
    client.force_login(factories.UserFactory(username="qt", is_superuser=True, is_staff=True))
    return client


def _admin_import(client: Client, name: str, content: bytes):
    return client.post(
        reverse("admin:indicators_target_import"),
        {"import_file": SimpleUploadedFile(name, content), "format": "1", "resource": "0"},
    )


def test_every_admin_import_goes_through_the_gate() -> None:
    from django.contrib import admin

    importing = [a for a in admin.site._registry.values() if isinstance(a, ImportMixin)]
    assert len(importing) >= 5
    assert all(a.import_form_class is GatedImportForm for a in importing), importing
    assert all([f.__name__ for f in a.get_import_formats()] == ["CSV", "XLSX"] for a in importing)


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_admin_import_refuses(superuser, case: str) -> None:
    name, content, message = REFUSALS[case]
    page = _admin_import(superuser, name, content).content.decode()
    assert f"Tệp «{name}»" in page and message in page


def test_admin_import_refuses_an_oversized_file_and_takes_a_real_sheet(superuser, settings) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 4000
    page = _admin_import(superuser, "chi-tieu.xlsx", REAL_SHEET.read_bytes()).content.decode()
    assert "Tệp «chi-tieu.xlsx»: tệp quá lớn" in page
    settings.IMPORT_MAX_UPLOAD_BYTES = 20 * 2**20
    page = _admin_import(superuser, "chi-tieu.xlsx", REAL_SHEET.read_bytes()).content.decode()
    assert "Tệp «chi-tieu.xlsx»" not in page  # read by the resource (its own row checks follow)
