"""Periods from titles and labels, and the matching of typed names, for the legacy readers."""

from __future__ import annotations

import datetime
import unicodedata

import pytest

from imports.readers.matching import IndicatorMatcher, UnitMatcher
from imports.readers.periods import last_day, parse_label, parse_title
from members.models import Level, Unit
from members.services import load_units


@pytest.mark.parametrize(
    ("title", "label", "first", "last", "months"),
    [
        ("NĂM 2025", "2025", (2025, 1), (2025, 12), 12),
        ("THÁNG 6 NĂM 2024", "2024-06", (2024, 6), (2024, 6), 1),
        ("QUÝ II NĂM 2024", "2024-Q2", (2024, 4), (2024, 6), 3),
        ("6 THÁNG ĐẦU NĂM 2025", "2025-H1", (2025, 1), (2025, 6), 6),
        ("6 THÁNG CUỐI NĂM 2025", "2025-H2", (2025, 7), (2025, 12), 6),
        ("Báo cáo kết quả quý 4 năm 2023", "2023-Q4", (2023, 10), (2023, 12), 3),
        ("6  tháng   đầu  năm 2024", "2024-H1", (2024, 1), (2024, 6), 6),
        ("THANG 06/2024", "2024-06", (2024, 6), (2024, 6), 1),
        (unicodedata.normalize("NFD", "Quý III năm 2022"), "2022-Q3", (2022, 7), (2022, 9), 3),
    ],
)
def test_period_from_a_title(
    title: str, label: str, first: tuple[int, int], last: tuple[int, int], months: int
) -> None:
    period = parse_title(title)

    assert period is not None
    assert (period.label, period.months) == (label, months)
    assert period.first_month == datetime.date(*first, 1)
    assert period.last_month == datetime.date(*last, 1)
    assert parse_label(label) == period


@pytest.mark.parametrize(
    "title",
    [
        "HỘI LHPN TỈNH CAO BẰNG",
        "Kèm theo Báo cáo số 45/BC-HPN ngày 10/12/2025",
        "Cao Bằng, ngày 10 tháng 12 năm 2025",
        "9 THÁNG NĂM 2024",  # not a period the portal keeps
        "ĐỀ ÁN 939 GIAI ĐOẠN 2017-2025",
    ],
)
def test_titles_that_name_no_period(title: str) -> None:
    assert parse_title(title) is None


def test_labels_and_last_days() -> None:
    assert parse_label("2024-13") is None and parse_label("2024-Q5") is None
    assert parse_label("2024-h2") == parse_title("6 tháng cuối năm 2024")
    half = parse_label("2024-H1")
    assert half is not None and last_day(half) == datetime.date(2024, 6, 30)
    february = parse_label("2024-02")
    assert february is not None and last_day(february) == datetime.date(2024, 2, 29)


@pytest.mark.django_db
def test_indicator_names_as_typed(catalog: None) -> None:
    from indicators.models import Indicator

    Indicator.objects.filter(code="939-06").update(aliases="Lớp tập huấn khởi nghiệp\nSố lớp TH")
    matcher = IndicatorMatcher.load("DA939")

    def code(name: str) -> str | None:
        found = matcher.match(name).found
        return found.code if found else None

    assert code("SỐ PHỤ NỮ KHỞI SỰ KINH DOANH, KHỞI NGHIỆP ĐƯỢC HỖ TRỢ") == "939-01"
    assert code("Số phụ nữ khởi sự kinh doanh -\nkhởi nghiệp   được hỗ trợ:") == "939-01"
    assert (
        code(unicodedata.normalize("NFD", "Số lớp tập huấn hỗ trợ khởi nghiệp được tổ chức"))
        == "939-06"
    )
    assert code("so lop TH") == "939-06"  # an alias, even typed without diacritics
    assert code("Số phụ nữ được vay vốn") is None
    assert "Số phụ nữ được vay vốn" in matcher.match("Số phụ nữ được vay vốn").problem


@pytest.mark.django_db
def test_indicator_restricted_to_a_program(catalog: None) -> None:
    from indicators.models import Indicator

    Indicator.objects.filter(code="938-06").update(
        aliases="Số lớp tập huấn hỗ trợ khởi nghiệp được tổ chức"
    )
    everything = IndicatorMatcher.load()
    name = "Số lớp tập huấn hỗ trợ khởi nghiệp được tổ chức"

    assert {ind.code for ind in everything.candidates(name)} == {"938-06", "939-06"}
    assert "938-06" in everything.match(name).problem  # two programs: ambiguous, not a guess
    found = everything.match(name, program_code="DA939").found
    assert found is not None and found.code == "939-06"


@pytest.mark.django_db
def test_units_under_cao_bang_before_and_after_the_reform() -> None:
    load_units(["Cao Bằng"])
    cao_bang = Unit.objects.get(level=Level.PROVINCE, code="04")
    new = UnitMatcher.load(cao_bang, day=datetime.date(2025, 12, 31))
    old = UnitMatcher.load(cao_bang, day=datetime.date(2024, 12, 31))

    def name(matcher: UnitMatcher, typed: str, code: str = "") -> str | None:
        found = matcher.match(typed, code).found
        return f"{found.name} {found.code}" if found else None

    assert name(new, "P. Thục Phán") == "Phường Thục Phán 01273"
    assert name(new, "THỤC PHÁN") == "Phường Thục Phán 01273"
    assert name(new, "xã hưng đạo") == "Xã Hưng Đạo 01351"
    assert name(old, "Phường Hợp Giang") == "Phường Hợp Giang 01273"
    assert name(old, "", "01273") == "Phường Hợp Giang 01273"
    assert name(old, "TT. Bảo Lạc") == "Thị trấn Bảo Lạc 01321"
    assert name(old, "Thị trấn Xuân Hoà") == "Thị trấn Xuân Hòa 01392"
    assert name(old, "Hưng Đạo") is None
    assert "01705" in old.match("Hưng Đạo").problem
    assert name(old, "Hưng Đạo", "1705") == "Xã Hưng Đạo 01705"
    # a commune that ended with the reform is named as such
    assert "không còn hiệu lực" in new.match("Phường Hợp Giang").problem
