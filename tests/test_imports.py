"""Legacy imports: the long shape read from CSV and .xlsx, the preview's plan
(new / changed / unchanged / blocked), the all-or-nothing commit, the upload's safety checks and
`manage.py import_results`.

Units: Khánh Hòa's Phường Ba Ngòi (22735) and Phường Nha Trang (22333), and Cao Bằng's Phường
Thục Phán (01273); indicators: the shipped catalogue (939-01 is a cumulative count, 939-02 a rate).
"""

from __future__ import annotations

import datetime
import json
import zipfile
from decimal import Decimal
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from openpyxl import Workbook

from imports import safety, services
from imports.readers import read_file
from imports.readers.periods import parse_period
from indicators.cycle.entry import Entry
from indicators.cycle.recording import record_results
from indicators.models import (
    Indicator,
    MonthTotal,
    Result,
    Submission,
    SubmissionEvent,
    SubmissionState,
    Target,
)
from members.models import UnitSuccession
from programs.models import Program
from tests import factories

HEADER = "unit_code,indicator_code,month,value,numerator,denominator"
JUNE = datetime.date(2025, 6, 1)


def _csv(tmp_path: Path, *rows: str, name: str = "ket-qua.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _xlsx(tmp_path: Path, rows: list[list[object]], name: str = "ket-qua.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER.split(","), *rows]:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def _preview(path: Path, **kwargs: object) -> services.Plan:
    safety.check_file(path)
    return services.plan(read_file(path, **kwargs))  # type: ignore[arg-type]


def _save(unit, code: str, month: datetime.date, value: int) -> None:
    indicator = Indicator.objects.get(code=code)
    record_results([Entry(unit, indicator, month, Decimal(value))], source="form")


@pytest.fixture
def units(khanh_hoa, catalog):
    return khanh_hoa


def test_long_csv_preview_counts_new_changed_unchanged(units, tmp_path) -> None:
    _save(units.ba_ngoi, "939-01", JUNE, 5)
    _save(units.ba_ngoi, "939-04", JUNE, 2)
    path = _csv(
        tmp_path,
        "22735,939-01,2025-06,7,,",  # 5 -> 7
        "22735,939-04,2025-06,2,,",  # unchanged
        '22333,939-01,2025-06,"1.234",,',  # new, Vietnamese thousands
        '22333,939-02,2025-06,,"1.450","2.238"',  # new rate
    )
    plan = _preview(path)
    assert plan.errors == []
    assert plan.counts["results"] == {"new": 2, "changed": 1, "unchanged": 1, "blocked": 0}
    ba_ngoi = next(g for g in plan.groups.values() if g.unit.endswith("Phường Ba Ngòi")
                   and g.indicator == "939-01")  # fmt: skip
    assert ba_ngoi.details == [
        {"kind": "results", "status": "changed", "row": 2, "when": "06/2025", "old": "5",
         "new": "7"}
    ]  # fmt: skip
    assert {e.value for e in plan.new} == {Decimal(1234), None}


def test_xlsx_long_file_with_period_labels(units, tmp_path) -> None:
    path = _xlsx(
        tmp_path,
        [
            ["22735", "939-01", "2025-Q2", 12, None, None],
            ["22735", "939-04", "2024", 3, None, None],
            ["22333", "939-04", "2025-H1", 2.5, None, None],  # a float cell keeps its decimals
        ],
    )
    parsed = read_file(path)
    assert parsed.shape == "long"
    spans = sorted((c.month, c.covers_months, c.value) for c in parsed.results)
    assert spans == [
        (datetime.date(2024, 12, 1), 12, Decimal(3)),
        (datetime.date(2025, 6, 1), 3, Decimal(12)),
        (datetime.date(2025, 6, 1), 6, Decimal("2.5")),
    ]
    # 2.5 classes is no count: the entry rules still apply, with row and column.
    plan = services.plan(parsed)
    assert [(p.row, p.column) for p in plan.errors] == [(4, "D")]


def test_problems_named_by_row_and_column(units, tmp_path) -> None:
    path = _csv(
        tmp_path,
        "22735,939-01,2025-06,abc,,",
        "99999,939-01,2025-06,3,,",
        "22735,939-99,2025-06,3,,",
        "22735,939-04,2025-13,3,,",
    )
    plan = _preview(path)
    found = [(p.row, p.column, p.message) for p in plan.errors]
    assert found == [
        (2, "D", "«abc» không phải là số"),
        (3, "A", "không có đơn vị mã «99999»"),
        (4, "B", "không có chỉ tiêu mã «939-99»"),
        (5, "C", "«2025-13» không phải là kỳ (viết 2025, 2025-06, 2025-Q2 hoặc 2025-H1)"),
    ]


def test_unit_outside_the_files_unit_is_an_error(units, tmp_path) -> None:
    path = _csv(tmp_path, "22735,939-01,2025-06,3,,", "01273,939-01,2025-07,3,,")
    plan = _preview(path, unit=units.province)
    assert [(p.row, p.column) for p in plan.errors] == [(3, "A")]
    assert "không thuộc Tỉnh Khánh Hòa" in plan.errors[0].message


def test_commit_writes_all_with_history_totals_and_timeline(units, tmp_path) -> None:
    path = _csv(tmp_path, "22735,939-01,2025-06,7,,", "22333,939-01,2025-Q2,9,,")
    plan = _preview(path)
    services.commit(plan, user=units.province_reviewer)
    quarter = Result.objects.get(unit=units.nha_trang, month=JUNE)
    assert (quarter.value, quarter.covers_months) == (Decimal(9), 3)
    assert quarter.history.get().history_change_reason == "import"
    total = MonthTotal.objects.get(unit=units.province, month=JUNE)
    assert (total.value, total.units) == (Decimal(16), 2)
    events = SubmissionEvent.objects.filter(submission__unit=units.ba_ngoi)
    assert [e.action for e in events] == ["import"]


def test_reimport_changes_nothing(units, tmp_path) -> None:
    path = _csv(tmp_path, "22735,939-01,2025-06,7,,", "22333,939-02,2025-06,,3,4")
    services.commit(_preview(path), user=None)
    before = list(Result.history.values_list("pk", flat=True))
    again = _preview(path)
    assert again.counts["results"] == {"new": 0, "changed": 0, "unchanged": 2, "blocked": 0}
    services.commit(again, user=None)
    assert list(Result.history.values_list("pk", flat=True)) == before
    assert SubmissionEvent.objects.count() == 2


def test_an_error_in_the_last_row_leaves_the_database_untouched(units, tmp_path) -> None:
    rows = [f"22735,939-04,2025-{m:02d},{m},," for m in range(1, 12)]
    path = _csv(tmp_path, *rows, "22333,939-04,2025-06,hai,,")
    plan = _preview(path)
    assert [(p.row, p.column) for p in plan.errors] == [(13, "D")]
    with pytest.raises(services.ImportRefused):
        services.commit(plan, user=None)
    assert not Result.objects.exists()


def test_a_database_error_mid_commit_rolls_everything_back(units, tmp_path) -> None:
    path = _csv(tmp_path, "22735,939-01,2025-06,7,,", "22333,939-01,2025-06,9,,")
    plan = _preview(path)
    with (
        mock.patch("indicators.cycle.bulk.write_targets", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        services.commit(plan, user=None)
    assert not Result.objects.exists()
    assert not MonthTotal.objects.exists()
    assert not Submission.objects.exists()


def test_values_in_an_approved_month_are_blocked(units, tmp_path) -> None:
    _save(units.ba_ngoi, "939-01", JUNE, 5)
    program = Program.objects.get(code="DA939")
    Submission.objects.filter(unit=units.ba_ngoi, program=program, month=JUNE).update(
        state=SubmissionState.APPROVED
    )
    path = _csv(
        tmp_path,
        "22735,939-01,2025-06,8,,",  # approved month: blocked
        "22735,939-04,2025-06,1,,",  # same month, new value: blocked too
        "22333,939-01,2025-06,4,,",  # another unit: written
    )
    plan = _preview(path)
    assert plan.counts["results"] == {"new": 1, "changed": 0, "unchanged": 0, "blocked": 2}
    assert [w.row for w in plan.warnings] == [2, 3]
    assert "cần mở khóa trước" in plan.warnings[0].message
    services.commit(plan, user=None)
    assert Result.objects.get(unit=units.ba_ngoi, month=JUNE).value == Decimal(5)
    assert Result.objects.filter(unit=units.nha_trang).count() == 1


def test_targets_from_a_parsed_file(units) -> None:
    from imports.parsed import ParsedFile, TargetCell

    indicator = Indicator.objects.get(code="939-01")
    end = datetime.date(2025, 12, 31)
    Target.objects.create(unit=units.ba_ngoi, indicator=indicator, period_end=end, value=10)
    parsed = ParsedFile(
        shape="wide",
        targets=[
            TargetCell(8, "C", units.ba_ngoi.pk, indicator.pk, end, Decimal(12)),
            TargetCell(9, "C", units.nha_trang.pk, indicator.pk, end, Decimal(4)),
        ],
    )
    plan = services.plan(parsed)
    assert plan.counts["targets"] == {"new": 1, "changed": 1, "unchanged": 0, "blocked": 0}
    services.commit(plan, user=None)
    assert sorted(Target.objects.values_list("value", flat=True)) == [4, 12]
    assert services.plan(parsed).counts["targets"]["unchanged"] == 2


def test_period_labels() -> None:
    assert parse_period("2024-Q2").last_month == datetime.date(2024, 6, 1)
    assert parse_period("2024-H2").first_month == datetime.date(2024, 7, 1)
    assert parse_period("06/2024").label == "2024-06"
    assert parse_period("2024").months == 12
    with pytest.raises(ValueError, match="không phải là kỳ"):
        parse_period("2024-Q5")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bao-cao.xlsx", b"PK\x03\x04 this is no zip at all", "tệp hỏng"),
        ("bao-cao.pdf", b"%PDF-1.4 ...", "chỉ nhận Excel"),
        (
            "anh.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00",
            "anh.csv»: nội dung không đúng định dạng như tên tệp",
        ),
        (
            "mat-khau.xlsx",
            bytes.fromhex("D0CF11E0A1B11AE1") + "EncryptedPackage".encode("utf-16-le"),
            "đặt mật khẩu",
        ),
        ("cu.xls", bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 64, "Excel 97–2003"),
    ],
)
def test_unsafe_files_get_a_message(tmp_path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(safety.UnsafeFile, match=message):
        safety.check_file(path)


def test_zip_bomb_and_too_many_rows_are_refused(tmp_path, settings) -> None:
    settings.IMPORT_MAX_UNPACKED_BYTES = 1000
    path = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 100_000)
    with pytest.raises(safety.UnsafeFile, match="khi giải nén quá lớn"):
        safety.check_file(path)
    settings.IMPORT_MAX_ROWS = 3
    with pytest.raises(safety.UnsafeFile, match="quá nhiều dòng"):
        safety.check_file(_csv(tmp_path, *["22735,939-01,2025-06,1,,"] * 4))


def test_command_json_preview_then_commit(units, tmp_path) -> None:
    path = _csv(tmp_path, "22735,939-01,2025-06,7,,", "22333,939-01,2025-05,3,,")
    out = StringIO()
    call_command("import_results", str(path), "--unit", "56", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report == {
        "file": "ket-qua.csv",
        "shape": "long",
        "period": None,
        "rows": 2,
        "results": {"new": 2, "changed": 0, "unchanged": 0},
        "targets": {"new": 0, "changed": 0, "unchanged": 0},
        "errors": [],
        "warnings": [],
    }
    assert not Result.objects.exists()
    out = StringIO()
    call_command("import_results", str(path), "--commit", "--period", "2025-H1", stdout=out)
    assert Result.objects.count() == 2
    assert "Kết quả: mới 2, thay đổi 0, không đổi 0" in out.getvalue()
    assert "Đã ghi vào hệ thống." in out.getvalue()


def test_command_commit_refuses_a_file_with_errors(units, tmp_path) -> None:
    path = _csv(tmp_path, "22735,939-01,2025-06,7,,", "22333,939-01,2025-06,x,,")
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_results", str(path), "--commit", "--json", stdout=out)
    assert raised.value.returncode == 1
    assert json.loads(out.getvalue())["errors"] == [
        {"row": 3, "column": "D", "message": "«x» không phải là số"}
    ]
    assert not Result.objects.exists()


def test_the_plan_refuses_units_outside_the_imports_unit(units) -> None:
    """Whatever a reader matched (a wide file names units by name), the plan keeps to scope."""
    from imports.parsed import ParsedFile, ResultCell

    indicator = Indicator.objects.get(code="939-01")
    parsed = ParsedFile(
        shape="wide",
        results=[
            ResultCell(8, "D", units.ba_ngoi.pk, indicator.pk, JUNE, 1, Decimal(3)),
            ResultCell(9, "D", units.thuc_phan.pk, indicator.pk, JUNE, 1, Decimal(4)),
        ],
    )
    plan = services.plan(parsed, within=units.province)
    assert [(p.row, p.column, p.message) for p in plan.errors] == [
        (9, "D", "đơn vị Phường Thục Phán không thuộc Tỉnh Khánh Hòa")
    ]
    assert services.plan(parsed).errors == []


def test_commit_moves_month_totals_as_a_rebuild_would(units, tmp_path) -> None:
    from indicators.figures import totals

    _save(units.ba_ngoi, "939-01", JUNE, 5)
    _save(units.nha_trang, "939-04", JUNE, 3)  # not in the file: stays in the totals
    path = _csv(
        tmp_path,
        "22735,939-01,2025-06,7,,",  # 5 -> 7
        "22333,939-01,2025-06,4,,",  # new
        "22333,939-02,2025-06,,2,5",  # new rate
    )
    services.commit(_preview(path), user=None)

    def snapshot() -> set[tuple]:
        fields = ("unit", "indicator", "month", "value", "numerator", "denominator", "units")
        return set(MonthTotal.objects.values_list(*fields))

    moved = snapshot()
    assert (units.province.pk, Indicator.objects.get(code="939-01").pk, JUNE, Decimal(11),
            Decimal(0), Decimal(0), 2) in moved  # fmt: skip
    totals.rebuild()
    assert snapshot() == moved


def test_a_rate_is_located_on_its_numerator(units, tmp_path) -> None:
    plan = _preview(_csv(tmp_path, "22735,939-02,2025-06,,7,5"))
    assert [(p.row, p.column, p.message) for p in plan.errors] == [
        (2, "E", "tử số (7) lớn hơn mẫu số (5)")
    ]


def test_a_month_in_which_the_unit_did_not_exist_is_an_error_naming_its_life(
    units, tmp_path
) -> None:
    """PRODUCT.md: nothing is written for a unit in a month when it did not exist (issue 16,
    item 6): the preview names the row, the unit's dates and its successor; the commit
    refuses the file whole."""
    old = factories.commune(units.province, "Xã Phước Đồng", "22366")
    old.valid_to = datetime.date(2025, 6, 30)
    old.save()
    UnitSuccession.objects.create(
        predecessor=old, successor=units.nha_trang, effective_on=datetime.date(2025, 7, 1)
    )
    plan = _preview(_csv(tmp_path, "22366,939-01,2025-06,3,,", "22366,939-01,2025-08,3,,"))

    assert [(p.row, p.column, p.message) for p in plan.errors] == [
        (3, "A", "mã «22366»: Xã Phước Đồng không tồn tại vào tháng 08/2025 (đơn vị có hiệu lực "
         f"đến 30/06/2025); đã sáp nhập vào {units.nha_trang.name} ({units.nha_trang.code})"),
    ]  # fmt: skip
    with pytest.raises(services.ImportRefused):
        services.commit(plan, user=None)
    assert not Result.objects.exists()
