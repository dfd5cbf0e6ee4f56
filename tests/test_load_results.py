"""Loading monthly results from a CSV file (indicators.cycle.results_csv, `manage.py load_results`).

The units are a slice of Cao Bằng across the 2025 reform (real GSO codes): the old ward Phường
Hợp Giang (01273, under Thành phố Cao Bằng, until 2025-06-30) and the new ward Phường Thục Phán
that took over its code from 2025-07-01, with one branch; the indicators are the shipped
catalogue (conftest's `catalog` fixture).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from common.periods import add_months, month_start
from indicators.cycle.entry import Entry
from indicators.cycle.results_csv import ResultsFileError, load_results, read_results_csv
from indicators.models import Indicator, Result
from members.gazetteer import LEGACY_END, REFORM_DATE
from members.models import Level, Unit, UnitSuccession
from tests import factories

HEADER = "unit_code,indicator_code,month,value,numerator,denominator"
JULY = datetime.date(2025, 7, 1)
FILE = "ket-qua-cao-bang.csv"


@dataclass
class CaoBang:
    province: Unit
    hop_giang: Unit  # 01273 until 2025-06-30
    song_hien: Unit  # 01267 until 2025-06-30
    thuc_phan: Unit  # 01273 from 2025-07-01
    nung_tri_cao: Unit  # 01279 from 2025-07-01
    branch: Unit  # 01273-CH01, Chi hội Thôn 1 of Phường Thục Phán


@pytest.fixture
def cao_bang(catalog: None) -> CaoBang:
    province = factories.province("Tỉnh Cao Bằng", "04")
    city = factories.UnitFactory(
        level=Level.DISTRICT,
        name="Thành phố Cao Bằng",
        code="040",
        parent=province,
        valid_to=LEGACY_END,
    )

    def old(name: str, code: str) -> Unit:
        return factories.UnitFactory(name=name, code=code, parent=city, valid_to=LEGACY_END)

    def new(name: str, code: str) -> Unit:
        return factories.UnitFactory(name=name, code=code, parent=province, valid_from=REFORM_DATE)

    thuc_phan = new("Phường Thục Phán", "01273")
    return CaoBang(
        province=province,
        hop_giang=old("Phường Hợp Giang", "01273"),
        song_hien=old("Phường Sông Hiến", "01267"),
        thuc_phan=thuc_phan,
        nung_tri_cao=new("Phường Nùng Trí Cao", "01279"),
        branch=factories.branch(thuc_phan, 1),
    )


def _csv(
    tmp_path: Path,
    *rows: str,
    header: str = HEADER,
    encoding: str = "utf-8",
    newline: str = "\n",
) -> Path:
    path = tmp_path / FILE
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding, newline=newline)
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ResultsFileError) as caught:
        load_results(path)
    return [str(p) for p in caught.value.problems]


def _result(unit: Unit, code: str, month: datetime.date = JULY) -> Result:
    return Result.objects.get(unit=unit, indicator__code=code, month=month)


GOOD_ROWS = (
    "01273,939-01,2025-07,2.238,,",  # cumulative, "2.238" is two thousand two hundred...
    '01273,939-02,2025-07,,"1.450","2.238"',  # a rate: numerator and denominator
    "01279,DA8-03,2025-07,120,,",
    "01279,DA8-04,2025-07,45,,",  # "of which" within its total
    "01273-CH01,H-09,2025-07,7,,",  # a branch indicator on the branch
    "01273,938-01,2025-07,-,,",  # "-" is zero
    "01273,939-01,2025-06,1.980,,",  # June: 01273 is still Phường Hợp Giang
)


def test_a_good_file_loads_every_row(cao_bang: CaoBang, tmp_path: Path) -> None:
    summary = load_results(_csv(tmp_path, *GOOD_ROWS))

    assert (summary.created, summary.updated, summary.unchanged) == (7, 0, 0)
    assert _result(cao_bang.thuc_phan, "939-01").value == Decimal("2238")
    rate = _result(cao_bang.thuc_phan, "939-02")
    assert (rate.value, rate.numerator, rate.denominator) == (None, 1450, 2238)
    assert _result(cao_bang.nung_tri_cao, "DA8-04").value == 45
    assert _result(cao_bang.branch, "H-09").value == 7
    assert _result(cao_bang.thuc_phan, "938-01").value == 0
    june = datetime.date(2025, 6, 1)
    assert _result(cao_bang.hop_giang, "939-01", june).value == 1980
    assert not Result.objects.filter(unit=cao_bang.thuc_phan, month=june).exists()
    assert Result.objects.get(unit=cao_bang.thuc_phan, indicator__code="939-01").updated_by is None


def test_read_results_csv_gives_each_entry_with_its_line(cao_bang: CaoBang, tmp_path: Path) -> None:
    path = _csv(tmp_path, "01273,939-06,2025-07,3,,", ",,,,,", "01279,939-02,2025-07,,9,12")
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=["939-06", "939-02"])}

    rows = read_results_csv(path)

    assert rows == [
        (2, Entry(cao_bang.thuc_phan, indicators["939-06"], JULY, value=Decimal(3))),
        (
            4,
            Entry(
                cao_bang.nung_tri_cao,
                indicators["939-02"],
                JULY,
                numerator=Decimal(9),
                denominator=Decimal(12),
            ),
        ),
    ]
    assert not Result.objects.exists()


def test_loading_the_same_file_twice_changes_nothing(cao_bang: CaoBang, tmp_path: Path) -> None:
    path = _csv(tmp_path, *GOOD_ROWS)
    load_results(path)
    before = dict(Result.objects.values_list("pk", "updated_at"))

    again = load_results(path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert dict(Result.objects.values_list("pk", "updated_at")) == before


def test_an_edited_row_is_updated_in_place(cao_bang: CaoBang, tmp_path: Path) -> None:
    load_results(_csv(tmp_path, *GOOD_ROWS))
    edited = [row.replace("2.238,,", "2.240,,") for row in GOOD_ROWS]

    summary = load_results(_csv(tmp_path, *edited))

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 6)
    assert _result(cao_bang.thuc_phan, "939-01").value == 2240


def test_a_bom_crlf_and_excel_semicolons_are_read(cao_bang: CaoBang, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "01273;939-01;2025-07;2.238;;",
        "01279;939-02;2025-07;;1.234,0;1.500",
        header=HEADER.replace(",", ";"),
        encoding="utf-8-sig",
        newline="\r\n",
    )

    summary = load_results(path)

    assert summary.created == 2
    assert _result(cao_bang.thuc_phan, "939-01").value == 2238
    assert _result(cao_bang.nung_tri_cao, "939-02").numerator == 1234


def test_vietnamese_numbers_are_parsed_and_counts_must_be_whole(
    cao_bang: CaoBang, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        '01273,939-01,2025-07,"2.238",,',
        '01279,939-01,2025-07,"70,5",,',
        "01273,939-06,2025-07,ba lớp,,",
        "01279,939-06,2025-07,-5,,",
        "01273,H-04,2025-07,1.000.000.000.000,,",
    )

    assert _problems(path) == [
        f"{FILE}, dòng 3, cột «value»: phải là số nguyên (đây là số đếm)",
        f"{FILE}, dòng 4, cột «value»: «ba lớp» không phải là số",
        f"{FILE}, dòng 5, cột «value»: không được âm",
        f"{FILE}, dòng 6, cột «value»: «1.000.000.000.000» quá lớn",
    ]
    assert not Result.objects.exists()


def test_a_rate_row_needs_numerator_and_denominator(cao_bang: CaoBang, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "01273,939-02,2025-07,,1.450,",
        '01279,939-02,2025-07,"70,5",,',
        "01273,939-05,2025-07,,,",
        "01279,939-05,2025-07,,,40",
    )

    assert _problems(path) == [
        f"{FILE}, dòng 2, cột «denominator»: thiếu mẫu số",
        f"{FILE}, dòng 3, cột «value»: chỉ tiêu tỷ lệ: nhập tử số và mẫu số",
        f"{FILE}, dòng 4, cột «numerator»: không có số liệu",
        f"{FILE}, dòng 5, cột «numerator»: thiếu tử số",
    ]


def test_a_numerator_above_its_denominator_is_refused_naming_the_line(
    cao_bang: CaoBang, tmp_path: Path
) -> None:
    path = _csv(tmp_path, "01273,939-02,2025-07,,1.450,2.238", "01279,939-02,2025-07,,2.500,2.238")

    assert _problems(path) == [
        f"{FILE}, dòng 3, cột «numerator»: tử số (2.500) lớn hơn mẫu số (2.238)"
    ]
    assert not Result.objects.exists()


def test_every_problem_is_listed_at_once_and_nothing_is_written(
    cao_bang: CaoBang, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "01273,939-01,2025-07,2.238,,",
        "01273,939-01,2025-13,5,,",
        "99999,939-01,2025-07,5,,",
        ",,,,,",
        "01279,939-99,2025-07,5,,",
        "01279,939-06,tháng 7,ba,,",
        "01267,939-06,2025-07,3,,",
        "01279,939-02,2025-07,,9,5",
        ",939-06,2025-07,3,,",
    )

    assert _problems(path) == [
        f"{FILE}, dòng 3, cột «month»: «2025-13» không phải là tháng (viết 2025-07)",
        f"{FILE}, dòng 4, cột «unit_code»: không có đơn vị mã «99999»",
        f"{FILE}, dòng 6, cột «indicator_code»: không có chỉ tiêu mã «939-99»",
        f"{FILE}, dòng 7, cột «month»: «tháng 7» không phải là tháng (viết 2025-07)",
        f"{FILE}, dòng 7, cột «value»: «ba» không phải là số",
        f"{FILE}, dòng 8, cột «unit_code»: mã «01267»: Phường Sông Hiến không tồn tại vào tháng "
        "07/2025 (đơn vị có hiệu lực đến 30/06/2025)",
        f"{FILE}, dòng 9, cột «numerator»: tử số (9) lớn hơn mẫu số (5)",
        f"{FILE}, dòng 10, cột «unit_code»: không được để trống",
    ]
    assert not Result.objects.exists()


def test_a_month_in_which_the_unit_did_not_exist_is_refused_naming_its_life(
    cao_bang: CaoBang, tmp_path: Path
) -> None:
    """PRODUCT.md: a value can only be written for a unit in a month when the unit existed;
    the refusal names the unit's dates and where its figures go (its successor after its end,
    its predecessors before its start)."""
    UnitSuccession.objects.create(
        predecessor=cao_bang.song_hien, successor=cao_bang.nung_tri_cao, effective_on=REFORM_DATE
    )
    path = _csv(tmp_path, "01267,939-01,2025-08,3,,", "01279,939-01,2025-06,4,,")

    assert _problems(path) == [
        f"{FILE}, dòng 2, cột «unit_code»: mã «01267»: Phường Sông Hiến không tồn tại vào tháng "
        "08/2025 (đơn vị có hiệu lực đến 30/06/2025); đã sáp nhập vào Phường Nùng Trí Cao (01279)",
        f"{FILE}, dòng 3, cột «unit_code»: mã «01279»: Phường Nùng Trí Cao không tồn tại vào "
        "tháng 06/2025 (đơn vị có hiệu lực từ 01/07/2025); số liệu trước đó ghi cho đơn vị cũ: "
        "Phường Sông Hiến (01267)",
    ]
    assert not Result.objects.exists()


def test_a_code_of_two_units_valid_in_the_month_is_ambiguous(
    cao_bang: CaoBang, tmp_path: Path
) -> None:
    # An old ward left without its end date shares 01279 with the new ward in July 2025.
    factories.commune(cao_bang.hop_giang.parent, "Phường Ngọc Xuân", "01279")
    path = _csv(tmp_path, "01279,939-06,2025-07,3,,")

    assert _problems(path) == [
        f"{FILE}, dòng 2, cột «unit_code»: mã «01279» ứng với nhiều đơn vị trong tháng 07/2025: "
        "Phường Ngọc Xuân, Phường Nùng Trí Cao"
    ]


def test_the_same_unit_indicator_and_month_twice_is_an_error_on_the_second_line(
    cao_bang: CaoBang, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "01273,939-06,2025-07,3,,",
        "01279,939-06,2025-07,2,,",
        "01273,939-06,2025-06,1,,",  # Phường Hợp Giang, not a repeat
        "01273,939-06,07/2025,4,,",
    )

    assert _problems(path) == [
        f"{FILE}, dòng 5, cột «unit_code»: đơn vị 01273, chỉ tiêu 939-06, tháng 07/2025 "
        "đã có ở dòng 2"
    ]
    assert not Result.objects.exists()


def test_a_breakdown_above_its_total_is_refused(cao_bang: CaoBang, tmp_path: Path) -> None:
    path = _csv(tmp_path, "01279,DA8-03,2025-07,40,,", "01279,DA8-04,2025-07,45,,")

    assert _problems(path) == [
        f"{FILE}, dòng 3, cột «value»: «trong đó» (45) lớn hơn tổng DA8-03 (40)"
    ]
    assert not Result.objects.exists()


def test_a_breakdown_above_a_saved_total_is_refused(cao_bang: CaoBang, tmp_path: Path) -> None:
    load_results(_csv(tmp_path, "01279,DA8-03,2025-07,40,,"))

    assert _problems(_csv(tmp_path, "01279,DA8-04,2025-07,45,,")) == [
        f"{FILE}, dòng 2, cột «value»: «trong đó» (45) lớn hơn tổng DA8-03 (40)"
    ]
    assert not Result.objects.filter(indicator__code="DA8-04").exists()


def test_values_only_at_the_indicators_level_and_never_for_coverage(
    cao_bang: CaoBang, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "01273-CH01,939-01,2025-07,5,,",
        "01273,H-09,2025-07,7,,",
        "01273,938-02,2025-07,1,,",
    )

    assert _problems(path) == [
        f"{FILE}, dòng 2, cột «value»: chỉ tiêu này nhập ở cấp xã/phường, "
        "không nhập ở Chi hội Thôn 1",
        f"{FILE}, dòng 3, cột «value»: chỉ tiêu này nhập ở cấp chi hội, "
        "không nhập ở Phường Thục Phán",
        f"{FILE}, dòng 4, cột «value»: chỉ tiêu này được tính tự động, không nhập",
    ]


def test_months_outside_the_program_or_still_to_come_are_refused(
    cao_bang: CaoBang, tmp_path: Path
) -> None:
    next_month = add_months(month_start(timezone.localdate()), 1)
    path = _csv(tmp_path, "01273,DA8-03,2026-01,5,,", f"01273,H-04,{next_month:%Y-%m},5,,")

    assert _problems(path) == [
        f"{FILE}, dòng 2, cột «month»: Tháng 01/2026 nằm ngoài giai đoạn 2021–2025 "
        "của chương trình.",
        f"{FILE}, dòng 3, cột «month»: Chưa thể nhập số liệu cho một tháng chưa đến.",
    ]


def test_a_missing_column_is_reported_on_the_header(cao_bang: CaoBang, tmp_path: Path) -> None:
    path = _csv(
        tmp_path, "01273,939-01,2025-07,2238,", header="unit_code,indicator_code,month,value,tu_so"
    )

    assert _problems(path) == [
        f"{FILE}, dòng 1, cột «numerator»: thiếu cột này ở dòng tiêu đề",
        f"{FILE}, dòng 1, cột «denominator»: thiếu cột này ở dòng tiêu đề",
    ]


def test_a_file_not_in_utf8_names_the_first_bad_line(cao_bang: CaoBang, tmp_path: Path) -> None:
    # Excel's "CSV (Comma delimited)" on Vietnamese Windows: cp1258, "Hợp Giang" as below.
    path = tmp_path / FILE
    path.write_bytes(
        (HEADER + ",ghi_chu\n01273,939-06,2025-07,3,,\n").encode()
        + b"01273,939-06,2025-06,2,,H\xf5\xf2p Giang\n"
    )

    assert _problems(path) == [
        f"{FILE}, dòng 3: không phải chữ UTF-8: lưu lại tệp dạng «CSV UTF-8»"
    ]


def test_a_missing_file(db: None, tmp_path: Path) -> None:
    assert _problems(tmp_path / FILE) == [f"{FILE}: không tìm thấy tệp"]


def test_the_command_prints_the_counts(cao_bang: CaoBang, tmp_path: Path) -> None:
    path = _csv(tmp_path, *GOOD_ROWS)
    out = StringIO()

    call_command("load_results", str(path), stdout=out)
    call_command("load_results", str(path), stdout=out)

    assert out.getvalue().splitlines() == [
        f"{FILE}: thêm mới 7, cập nhật 0, không đổi 0",
        f"{FILE}: thêm mới 0, cập nhật 0, không đổi 7",
    ]


def test_the_command_prints_warnings_with_their_lines(cao_bang: CaoBang, tmp_path: Path) -> None:
    new_members = Indicator.objects.get(code="H-04")
    for month, value in [(7, 10), (8, 12), (9, 11)]:
        Result.objects.create(
            unit=cao_bang.thuc_phan,
            indicator=new_members,
            month=datetime.date(2025, month, 1),
            value=value,
        )
    path = _csv(tmp_path, "01279,H-04,2025-10,9,,", "01273,H-04,2025-10,200,,")
    out = StringIO()

    call_command("load_results", str(path), stdout=out)

    assert out.getvalue().splitlines() == [
        f"{FILE}: thêm mới 2, cập nhật 0, không đổi 0",
        "Cảnh báo (số liệu đã được ghi, xin kiểm tra lại):",
        f"  {FILE}, dòng 3, cột «value»: cao bất thường so với 12 tháng trước (cao nhất 12): "
        "xin kiểm tra lại",
    ]
    assert _result(cao_bang.thuc_phan, "H-04", datetime.date(2025, 10, 1)).value == 200


def test_the_command_lists_every_problem_after_saying_nothing_was_written(
    cao_bang: CaoBang, tmp_path: Path
) -> None:
    path = _csv(tmp_path, "01273,939-01,2025-07,2.238,,", "99999,939-01,2025-7a,5,,")

    with pytest.raises(CommandError) as caught:
        call_command("load_results", str(path))

    assert str(caught.value).splitlines() == [
        f"Không nạp được {FILE}, không có gì được ghi:",
        f"{FILE}, dòng 3, cột «month»: «2025-7a» không phải là tháng (viết 2025-07)",
        f"{FILE}, dòng 3, cột «unit_code»: không có đơn vị mã «99999»",
    ]
    assert not Result.objects.exists()
