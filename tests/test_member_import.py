"""Import of a branch's Excel register: preview with errors by row and column, duplicates
flagged and skipped, all or nothing."""

import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from members.imports import ImportRefused, import_members, preview_import
from members.models import Member
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["STT", "Họ và tên", "Năm sinh", "Dân tộc", "Ngày vào Hội", "Hộ nghèo/cận nghèo",
          "Khuyết tật"]  # fmt: skip


def _xlsx(*rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = _xlsx(
    (1, "Nguyễn Thị Hoà", 1988, "Kinh", datetime.date(2024, 3, 8), "", ""),
    (2, "Hoàng Thị Mai", "1979", "Tày", "15/01/2025", "hộ nghèo", "x"),
    (3, "Nguyễn Thị Hoà", 1988, "Kinh", "08/03/2024", "", ""),  # same as row 2
)


def test_preview_flags_duplicates_within_the_file_and_the_register(khanh_hoa) -> None:
    branch = khanh_hoa.ba_ngoi_branch
    factories.member(branch, "Hoàng Thị Mai", birth_year=1979)

    preview = preview_import(user=khanh_hoa.commune_officer, branch=branch, content=GOOD)

    assert preview.errors == []
    assert [r.number for r in preview.new] == [2]
    assert [r.number for r in preview.duplicates] == [3, 4]
    assert Member.objects.count() == 1  # a preview saves nothing


def test_import_saves_new_rows_and_a_second_import_changes_nothing(khanh_hoa) -> None:
    branch = khanh_hoa.ba_ngoi_branch
    officer = khanh_hoa.commune_officer

    import_members(user=officer, branch=branch, content=GOOD)
    again = import_members(user=officer, branch=branch, content=GOOD)

    mai = Member.objects.get(full_name="Hoàng Thị Mai")
    assert (mai.ethnicity, mai.household, mai.has_disability) == ("02", "poor", True)
    assert mai.joined_on == datetime.date(2025, 1, 15)
    assert Member.objects.count() == 2
    assert again.new == []


def test_a_bad_row_refuses_the_whole_file_naming_row_and_column(khanh_hoa) -> None:
    content = _xlsx(
        (1, "Nguyễn Thị Hoà", 1988, "Kinh", "08/03/2024", "", ""),
        (2, "Lò Thị Sen", 1990, "Thái Lan", "08/03/2024", "", ""),
        (3, "Vi Thị Hạnh", "abc", "Nùng", "31/02/2024", "", ""),
    )
    officer, branch = khanh_hoa.commune_officer, khanh_hoa.ba_ngoi_branch

    preview = preview_import(user=officer, branch=branch, content=content)
    with pytest.raises(ImportRefused):
        import_members(user=officer, branch=branch, content=content)

    assert preview.errors == [
        "Dòng 3, cột «Dân tộc»: «Thái Lan» không có trong danh mục 54 dân tộc",
        "Dòng 4, cột «Năm sinh»: «abc» không đọc được",
        "Dòng 4, cột «Ngày vào Hội»: «31/02/2024» không đọc được",
    ]
    assert not Member.objects.exists()


def test_a_file_without_the_name_column_is_refused(khanh_hoa) -> None:
    book = Workbook()
    book.active.append(["Tên", "Tuổi"])
    buffer = io.BytesIO()
    book.save(buffer)

    with pytest.raises(ImportRefused, match="Thiếu cột: Họ và tên, Ngày vào Hội"):
        preview_import(
            user=khanh_hoa.commune_officer,
            branch=khanh_hoa.ba_ngoi_branch,
            content=buffer.getvalue(),
        )


def test_import_page_previews_then_imports(khanh_hoa) -> None:
    client = Client()
    client.force_login(khanh_hoa.commune_officer)
    url = reverse("members:register_import")
    branch = khanh_hoa.ba_ngoi_branch

    preview = client.post(url, {"branch": branch.pk, "file": io.BytesIO(GOOD)})
    assert preview.status_code == 200
    assert "Trùng (cùng họ tên, năm sinh, chi hội)" in preview.content.decode()
    assert not Member.objects.exists()

    done = client.post(url, {"branch": branch.pk, "confirm": "1"})

    assert done.status_code == 302
    assert Member.objects.count() == 2


def test_officer_cannot_import_into_another_communes_branch(khanh_hoa) -> None:
    other = factories.branch(khanh_hoa.nha_trang, 1)
    client = Client()
    client.force_login(khanh_hoa.commune_officer)

    response = client.post(
        reverse("members:register_import"), {"branch": other.pk, "file": io.BytesIO(GOOD)}
    )

    assert response.status_code == 400
    assert not Member.objects.exists()
