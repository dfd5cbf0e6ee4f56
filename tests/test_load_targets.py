"""load_targets: the long targets CSV (a province or a unit code, a year or a date), all rows or
none, every problem with its line and column."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from indicators.catalogue.services import DEFAULT_CATALOG_DIR
from indicators.models import Target
from members.services import load_units

pytestmark = pytest.mark.django_db
HEADER = "province,program,indicator,period_end,target,source\n"


@pytest.fixture
def provinces(catalog: None) -> None:
    load_units(["Cao Bằng", "Khánh Hòa"], with_legacy=False)


def _file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "chi-tieu.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_shipped_targets_file_loads_and_a_second_run_changes_nothing(
    provinces, tmp_path: Path, capsys
) -> None:
    path = shutil.copy(DEFAULT_CATALOG_DIR / "targets.csv", tmp_path / "targets.csv")

    call_command("load_targets", str(path))
    call_command("load_targets", str(path))

    assert Target.objects.count() == 15
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "targets.csv: thêm mới 0, cập nhật 0, không đổi 15"


def test_a_row_may_name_a_unit_code_and_a_date_with_a_vietnamese_number(
    provinces, tmp_path: Path
) -> None:
    path = _file(
        tmp_path, "22432,CTH,H-01,31/12/2025,1.100,kế hoạch phường", "56,CTH,H-04,2025,70,"
    )

    call_command("load_targets", str(path))

    cam_linh = Target.objects.get(unit__code="22432", indicator__code="H-01")
    assert (cam_linh.unit.name, cam_linh.value) == ("Phường Cam Linh", Decimal("1100"))
    assert cam_linh.period_end.isoformat() == "2025-12-31"
    assert Target.objects.get(unit__code="56").unit.level == "province"


def test_dry_run_counts_and_writes_nothing(provinces, tmp_path: Path, capsys) -> None:
    path = _file(tmp_path, "Khánh Hòa,CTH,H-01,2025,1100,")

    call_command("load_targets", str(path), "--dry-run")

    assert not Target.objects.exists()
    assert "thêm mới 1" in capsys.readouterr().out


def test_a_bad_file_lists_every_problem_with_line_and_column_and_writes_nothing(
    provinces, tmp_path: Path
) -> None:
    path = _file(
        tmp_path,
        "Khánh Hòa,CTH,H-01,2025,1100,good row",
        "Tỉnh Không Có,CTH,H-01,2025,10,",
        "Khánh Hòa,CTH,H-02,2025,nhiều,",
        "Khánh Hòa,CTH,H-04,2030,10,",
        "Khánh Hòa,CTH,H-99,2025,10,",
        "99999,CTH,H-04,2025,10,",
        "Khánh Hòa,CTH,H-04,2025,-5,",
        "Khánh Hòa,CTH,H-01,2025,1200,twice",
    )

    with pytest.raises(CommandError) as caught:
        call_command("load_targets", str(path))

    lines = str(caught.value).splitlines()
    assert lines[0] == "Không nạp được chi-tieu.csv, không có gì được ghi:"
    assert lines[1:] == [
        "chi-tieu.csv, dòng 3, cột «province»: chưa có tỉnh «Tỉnh Không Có» trong hệ thống "
        "(chạy load_units trước)",
        "chi-tieu.csv, dòng 4, cột «target»: «nhiều» không phải là số",
        "chi-tieu.csv, dòng 5, cột «period_end»: năm 2030 nằm ngoài giai đoạn 2021–2026 "
        "của chương trình",
        "chi-tieu.csv, dòng 6, cột «indicator»: không có chỉ tiêu mã «H-99»",
        "chi-tieu.csv, dòng 7, cột «province»: không có đơn vị mã «99999» còn hiệu lực vào cuối kỳ",
        "chi-tieu.csv, dòng 8, cột «target»: kế hoạch không được âm",
        "chi-tieu.csv, dòng 9, cột «indicator»: trùng với dòng 2",
    ]
    assert not Target.objects.exists()


def test_a_missing_file_is_an_error(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        call_command("load_targets", str(tmp_path / "khong-co.csv"))
