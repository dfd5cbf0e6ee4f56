"""The wide-form reader on the shared sample and on workbooks shaped like real files."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from imports.readers.wide import read_wide
from members.models import Level, Unit
from members.services import load_units
from tests.legacy_files import NAME_939_01, NAME_939_03, NAME_939_06, WideFile

pytestmark = pytest.mark.django_db

LEGACY = Path(__file__).parent / "data" / "legacy"  # a copy of ../shared/legacy


@pytest.fixture
def cao_bang(catalog: None) -> Unit:
    """Cao Bằng as the package has it: the current communes and the pre-2025 map."""
    load_units(["Cao Bằng"])
    return Unit.objects.get(level=Level.PROVINCE, code="04")


def test_the_sample_reads_as_its_readme_says(cao_bang: Unit) -> None:
    expected = json.loads((LEGACY / "expected.json").read_text())["wide-939-cao-bang-2025.xlsx"]

    parsed = read_wide(LEGACY / "wide-939-cao-bang-2025.xlsx")

    assert parsed.errors == []
    assert parsed.unit_id == cao_bang.pk and expected["unit"] == cao_bang.code
    assert parsed.program_code == expected["program"]
    assert parsed.period is not None and parsed.period.label == expected["period"]
    assert len(parsed.results) == expected["results_new"]
    assert len(parsed.targets) == expected["targets_new"]
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for cell in parsed.results:
        totals[cell.indicator_id] += cell.value or 0
    from indicators.models import Indicator

    codes = dict(Indicator.objects.values_list("pk", "code"))
    assert {codes[pk]: int(total) for pk, total in totals.items()} == expected["thuc_hien_totals"]
    assert parsed.warnings == []


TITLES_2025 = [
    "HỘI LHPN TỈNH CAO BẰNG",
    'BIỂU TỔNG HỢP KẾT QUẢ THỰC HIỆN ĐỀ ÁN 939 "HỖ TRỢ PHỤ NỮ KHỞI NGHIỆP"',
    "NĂM 2025",
]


def _unit(code: str, day: datetime.date) -> Unit:
    return Unit.objects.valid_on(day).get(level=Level.COMMUNE, code=code)


def _codes() -> dict[int, str]:
    from indicators.models import Indicator

    return dict(Indicator.objects.values_list("pk", "code"))


def test_header_lower_and_further_right_with_a_code_column(cao_bang: Unit, tmp_path: Path) -> None:
    """A reference line and blank rows above, the table starting at C10, codes typed as numbers
    (leading zero lost)."""
    path = WideFile(
        titles=[
            *TITLES_2025[:1],
            "Kèm theo Báo cáo số 45/BC-HPN ngày 10/12/2025",
            *TITLES_2025[1:],
        ],
        indicators=[NAME_939_01, NAME_939_06],
        rows=[
            ("Phường Thục Phán", [15, 9, "60%", 8, 23, "287,5%"]),
            ("Xã Bảo Lâm", [12, 3, None, 6, 35, None]),
        ],
        codes=["1273", "01290"],
        top=10,
        left=3,
        total=[27, 12, None, 14, 58, None],
    ).save(tmp_path / "lech.xlsx")

    parsed = read_wide(path)

    assert parsed.errors == [] and parsed.warnings == []
    day = datetime.date(2025, 12, 31)
    thuc_phan, bao_lam = _unit("01273", day), _unit("01290", day)
    codes = _codes()
    got = {
        (cell.row, cell.column, cell.unit_id, codes[cell.indicator_id], cell.value)
        for cell in parsed.results
    }
    assert got == {
        (12, "G", thuc_phan.pk, "939-01", 9),
        (12, "J", thuc_phan.pk, "939-06", 23),
        (13, "G", bao_lam.pk, "939-01", 3),
        (13, "J", bao_lam.pk, "939-06", 35),
    }
    assert {
        (cell.column, cell.value, cell.period_end) for cell in parsed.targets if cell.row == 12
    } == {
        ("F", 15, day),
        ("I", 8, day),
    }
    assert parsed.rows == 2


def test_only_thuc_hien_columns_and_names_typed_loosely(cao_bang: Unit, tmp_path: Path) -> None:
    """Line breaks, double spaces, other case and punctuation in the indicator names; unit
    names without their prefix, with "P." and in decomposed Unicode (NFD)."""
    import unicodedata

    path = WideFile(
        titles=TITLES_2025,
        indicators=[
            "SỐ PHỤ NỮ khởi sự kinh doanh,\nkhởi  nghiệp được hỗ trợ.",
            "Số lớp tập huấn hỗ trợ khởi nghiệp\r\nđược tổ chức (lớp)",
        ],
        subs=("Thực hiện",),
        rows=[
            ("P. Thục Phán", [9, 23]),
            ("Nùng Trí Cao", [3, 26]),
            (unicodedata.normalize("NFD", "xã  Cốc Pàng"), ["1.173", "-"]),
        ],
    ).save(tmp_path / "chi-thuc-hien.xlsx")
    from indicators.models import Indicator

    Indicator.objects.filter(code="939-06").update(
        aliases="Số lớp tập huấn hỗ trợ khởi nghiệp được tổ chức (lớp)"
    )

    parsed = read_wide(path)

    assert parsed.errors == []
    assert parsed.targets == []
    codes = _codes()
    got = {(cell.row, codes[cell.indicator_id], cell.value) for cell in parsed.results}
    assert got == {
        (8, "939-01", 9),
        (8, "939-06", 23),
        (9, "939-01", 3),
        (9, "939-06", 26),
        (10, "939-01", 1173),
        (10, "939-06", 0),
    }
    cốc_pàng = _unit("01324", datetime.date(2025, 12, 31))
    assert {cell.unit_id for cell in parsed.results if cell.row == 10} == {cốc_pàng.pk}


def test_a_sheet_typed_in_tcvn3_reads_as_proper_vietnamese(cao_bang: Unit, tmp_path: Path) -> None:
    """Title in .VnTimeH (capitals), the rest in .VnTime, as Excel shows them in Unicode."""
    path = WideFile(
        titles=["HéI LHPN TØNH CAO B»NG", "N¨M 2025"],
        title_font=".VnTimeH",
        font=".VnTime",
        unit_header="§¬n vÞ",
        subs=("KÕ ho¹ch", "Thùc hiÖn", "Tû lÖ %"),
        indicators=["Sè líp tËp huÊn hç trî khëi nghiÖp ®\xadîc tæ chøc"],
        rows=[("Ph\xadêng Thôc Ph¸n", [8, 23, "287,5%"]), ("X· Cèc Pµng", [9, 31, "344,4%"])],
        total_name="Tæng céng",
        total=[17, 54, None],
    ).save(tmp_path / "tcvn3.xlsx")

    parsed = read_wide(path)

    assert parsed.errors == [] and parsed.warnings == []
    assert parsed.unit_id == cao_bang.pk
    assert parsed.period is not None and parsed.period.label == "2025"
    assert parsed.program_code == "DA939"
    names = dict(Unit.objects.values_list("pk", "name"))
    assert sorted((names[cell.unit_id], cell.value) for cell in parsed.results) == [
        ("Phường Thục Phán", 23),
        ("Xã Cốc Pàng", 31),
    ]


def test_a_quarter_of_2024_matches_the_old_communes(cao_bang: Unit, tmp_path: Path) -> None:
    """Before 2025-07 communes sat under districts: "TT." and old tone placement ("Hoà") match,
    and "Hưng Đạo" (three communes of that name then) is told apart by its code."""
    path = WideFile(
        titles=["HỘI LHPN TỈNH CAO BẰNG", "BÁO CÁO KẾT QUẢ ĐỀ ÁN 939", "QUÝ II NĂM 2024"],
        indicators=[NAME_939_01],
        rows=[
            ("TT. Bảo Lạc", [10, 4, None]),
            ("TT Xuân Hoà", [5, 5, None]),
            ("Hưng Đạo", [3, 1, None]),
        ],
        codes=["", "", "01705"],
    ).save(tmp_path / "quy-2.xlsx")

    parsed = read_wide(path)

    assert parsed.errors == []
    assert parsed.period is not None and parsed.period.label == "2024-Q2"
    old = {unit.pk: unit for unit in Unit.objects.filter(valid_to=datetime.date(2025, 6, 30))}
    got = sorted(
        (old[cell.unit_id].name, old[cell.unit_id].code, cell.value) for cell in parsed.results
    )
    assert got == [
        ("Thị trấn Bảo Lạc", "01321", 4),
        ("Thị trấn Xuân Hòa", "01392", 5),
        ("Xã Hưng Đạo", "01705", 1),
    ]
    assert {(cell.month, cell.covers_months) for cell in parsed.results} == {
        (datetime.date(2024, 6, 1), 3)
    }
    assert {cell.period_end for cell in parsed.targets} == {datetime.date(2024, 6, 30)}


def test_a_name_two_communes_share_is_an_error_not_a_guess(cao_bang: Unit, tmp_path: Path) -> None:
    path = WideFile(
        titles=["HỘI LHPN TỈNH CAO BẰNG", "NĂM 2024"],
        indicators=[NAME_939_01],
        rows=[("Xã Hưng Đạo", [3, 1, None])],
    ).save(tmp_path / "trung-ten.xlsx")

    parsed = read_wide(path, program="DA939")

    [error] = parsed.errors
    assert (error.row, error.column) == (8, "B")
    assert "01705" in error.message and "01351" in error.message
    assert parsed.results == []


def test_a_half_year_title_stores_on_its_last_month(cao_bang: Unit, tmp_path: Path) -> None:
    path = WideFile(
        titles=["HỘI LHPN TỈNH CAO BẰNG", "6 THÁNG CUỐI NĂM 2025"],
        indicators=[NAME_939_03],
        rows=[("Xã Lý Bôn", [18, 9, "50%"])],
    ).save(tmp_path / "6-thang.xlsx")

    parsed = read_wide(path)

    assert parsed.errors == []
    [result] = parsed.results
    assert (result.month, result.covers_months, result.value) == (datetime.date(2025, 12, 1), 6, 9)
    assert result.unit_id == _unit("01294", datetime.date(2025, 12, 31)).pk
    [target] = parsed.targets
    assert (target.period_end, target.value) == (datetime.date(2025, 12, 31), 18)


def test_the_given_period_wins_over_the_title_with_a_warning(
    cao_bang: Unit, tmp_path: Path
) -> None:
    path = WideFile(
        titles=["HỘI LHPN TỈNH CAO BẰNG", "6 THÁNG CUỐI NĂM 2025"],
        indicators=[NAME_939_03],
        rows=[("Xã Lý Bôn", [18, 9, "50%"])],
    ).save(tmp_path / "ky.xlsx")

    parsed = read_wide(path, period="2025")

    assert parsed.period is not None and parsed.period.label == "2025"
    [warning] = parsed.warnings
    assert warning.row == 2 and "2025-H2" in warning.message
    assert [cell.covers_months for cell in parsed.results] == [12]


def test_bad_cells_unknown_units_and_indicators_are_errors_with_row_and_column(
    cao_bang: Unit, tmp_path: Path
) -> None:
    path = WideFile(
        titles=TITLES_2025,
        indicators=[NAME_939_01, "Số hội viên tham gia câu lạc bộ khởi nghiệp"],
        rows=[
            ("Phường Thục Phán", [15, "12a", None, 1, 2, None]),
            ("Xã Không Có Thật", [4, 5, None, None, None, None]),
            ("Xã Bảo Lâm", [12, 3, "25%", None, None, None]),
        ],
    ).save(tmp_path / "loi.xlsx")

    parsed = read_wide(path)

    found = {(error.row, error.column): error.message for error in parsed.errors}
    assert set(found) == {(6, "F"), (8, "D"), (9, "B")}
    assert "Số hội viên tham gia câu lạc bộ khởi nghiệp" in found[(6, "F")]
    assert "«12a»" in found[(8, "D")]
    assert "Xã Không Có Thật" in found[(9, "B")]
    # what could be read is still read, for the preview
    assert [(cell.row, cell.value) for cell in parsed.results] == [(10, 3)]


def test_a_total_that_does_not_add_up_and_a_wrong_ratio_are_warnings(
    cao_bang: Unit, tmp_path: Path
) -> None:
    path = WideFile(
        titles=TITLES_2025,
        indicators=[NAME_939_01],
        rows=[("Phường Thục Phán", [15, 9, "60,0%"]), ("Xã Bảo Lâm", [12, 3, "52,0%"])],
        total=[27, 13, None],
    ).save(tmp_path / "tong.xlsx")

    parsed = read_wide(path)

    assert parsed.errors == []
    found = {(warning.row, warning.column): warning.message for warning in parsed.warnings}
    assert set(found) == {(9, "E"), (10, "D")}
    assert "«52,0%»" in found[(9, "E")] and "25" in found[(9, "E")]
    assert "13" in found[(10, "D")] and "12" in found[(10, "D")]
    assert len(parsed.results) == 2  # a warning does not stop the row


def test_a_rate_indicator_needs_its_numerator_and_denominator(
    cao_bang: Unit, tmp_path: Path
) -> None:
    rate = "Tỷ lệ hội viên được tuyên truyền, nâng cao nhận thức về khởi nghiệp"
    one_number = WideFile(
        titles=TITLES_2025, indicators=[rate], rows=[("Xã Bảo Lâm", [70, 65, None])]
    ).save(tmp_path / "ty-le.xlsx")
    fraction = WideFile(
        titles=TITLES_2025,
        indicators=[rate],
        subs=("Kế hoạch", "Tử số", "Mẫu số"),
        rows=[("Xã Bảo Lâm", [70, "1.450", "2.238"])],
    ).save(tmp_path / "tu-mau.xlsx")

    [error] = read_wide(one_number).errors
    parsed = read_wide(fraction)

    assert (error.row, error.column) == (6, "D") and "939-02" in error.message
    assert parsed.errors == []
    [result] = parsed.results
    assert (result.value, result.numerator, result.denominator) == (None, 1450, 2238)
    assert [target.value for target in parsed.targets] == [70]


def test_not_a_workbook_is_an_error_not_a_crash(cao_bang: Unit, tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.xlsx"
    path.write_text("STT;Đơn vị\n1;Xã Bảo Lâm\n")

    parsed = read_wide(path)

    [error] = parsed.errors
    assert error.row is None and "Excel" in error.message


def test_reading_takes_a_few_queries_and_writes_nothing(
    cao_bang: Unit, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6) as context:
        read_wide(LEGACY / "wide-939-cao-bang-2025.xlsx")

    assert not [
        query for query in context.captured_queries if not query["sql"].startswith("SELECT")
    ]


def test_the_first_sheet_with_a_table_and_a_total_row_above_the_units(
    cao_bang: Unit, tmp_path: Path
) -> None:
    import openpyxl

    path = WideFile(
        titles=TITLES_2025,
        indicators=[NAME_939_06],
        rows=[
            ("Tổng số", [14, 57, None]),
            ("Phường Thục Phán", [8, 23, None]),
            ("Xã Bảo Lâm", [6, 35, None]),
        ],
    ).save(tmp_path / "tong-truoc.xlsx")
    workbook = openpyxl.load_workbook(path)
    cover = workbook.create_sheet("Huong dan", 0)
    cover["A1"] = "Hướng dẫn: nhập số liệu vào sheet Bieu 01"
    workbook.save(path)

    parsed = read_wide(path)

    assert parsed.errors == []
    [warning] = parsed.warnings  # 23 + 35 = 58, not 57; the plan adds up
    assert (
        (warning.row, warning.column) == (8, "D")
        and "57" in warning.message
        and "58" in warning.message
    )
    assert sorted(cell.value or 0 for cell in parsed.results) == [23, 35]
    assert parsed.rows == 2


def test_a_sheet_typed_with_a_vni_font(cao_bang: Unit, tmp_path: Path) -> None:
    path = WideFile(
        titles=["HOÄI LHPN TÆNH CAO BAÈNG", "NAÊM 2025"],
        font="VNI-Times",
        unit_header="Ñôn vò",
        subs=("Keá hoaïch", "Thöïc hieän"),
        indicators=["Soá lôùp taäp huaán hoã trôï khôûi nghieäp ñöôïc toå chöùc"],
        rows=[("Phöôøng Thuïc Phaùn", [8, 23]), ("Xaõ Lyù Boân", [9, 4])],
    ).save(tmp_path / "vni.xlsx")

    parsed = read_wide(path)

    assert parsed.errors == []
    assert parsed.unit_id == cao_bang.pk and parsed.program_code == "DA939"
    names = dict(Unit.objects.values_list("pk", "name"))
    assert sorted((names[cell.unit_id], cell.value) for cell in parsed.results) == [
        ("Phường Thục Phán", 23),
        ("Xã Lý Bôn", 4),
    ]


def test_an_unknown_program_code_is_an_error(cao_bang: Unit) -> None:
    parsed = read_wide(LEGACY / "wide-939-cao-bang-2025.xlsx", program="DA999")

    assert any("DA999" in error.message for error in parsed.errors)
    assert parsed.results == [] and parsed.targets == []
