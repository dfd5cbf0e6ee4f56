"""`manage.py indicator_value`: the engine's figure for a unit code, as text or JSON."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from common.periods import parse_month
from indicators.figures import totals
from indicators.models import Indicator, Result, Rule, Target
from members.models import Level, Unit
from tests import factories

pytestmark = pytest.mark.django_db

OLD_MAP_ENDS = datetime.date(2025, 6, 30)
REFORM = datetime.date(2025, 7, 1)


def run(*args: str) -> str:
    out = StringIO()
    call_command("indicator_value", *args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> dict[str, Any]:
    output = run(*args, "--json")
    data = json.loads(output)  # exactly one JSON object, nothing else
    assert isinstance(data, dict)
    return data


def enter(indicator: Indicator, unit: Unit, month: str, value: int) -> None:
    Result.objects.create(
        indicator=indicator, unit=unit, month=parse_month(month), value=Decimal(value)
    )
    totals.rebuild([indicator.pk])


@pytest.fixture
def tree(db: None) -> dict[str, Unit]:
    """Cao Bằng around the 2025 reform: the old Phường Sông Hiến (01273) under the city, and the
    new Phường Thục Phán that took over its code on 2025-07-01; Xã Cốc Pàng has no results."""
    province = factories.province("Tỉnh Cao Bằng", "04")
    city = factories.UnitFactory(
        level=Level.DISTRICT,
        name="Thành phố Cao Bằng",
        code="040",
        parent=province,
        valid_to=OLD_MAP_ENDS,
    )
    old = factories.UnitFactory(
        level=Level.COMMUNE,
        name="Phường Sông Hiến",
        code="01273",
        parent=city,
        valid_to=OLD_MAP_ENDS,
    )
    new = factories.UnitFactory(
        level=Level.COMMUNE,
        name="Phường Thục Phán",
        code="01273",
        parent=province,
        valid_from=REFORM,
    )
    bao_lac = factories.UnitFactory(
        level=Level.DISTRICT, name="Huyện Bảo Lạc", code="043", parent=province
    )
    coc_pang = factories.commune(bao_lac, "Xã Cốc Pàng", "01324")
    return {"province": province, "old": old, "new": new, "coc_pang": coc_pang}


@pytest.fixture
def startups(tree: dict[str, Unit]) -> Indicator:
    indicator = factories.IndicatorFactory(rule=Rule.CUMULATIVE)  # 939-01, 2017–2025
    Target.objects.create(
        indicator=indicator,
        unit=tree["province"],
        period_end=datetime.date(2025, 12, 31),
        value=800,
    )
    enter(indicator, tree["old"], "2019-12", 1500)
    enter(indicator, tree["old"], "2025-03", 30)
    enter(indicator, tree["new"], "2025-08", 20)
    return indicator


def test_json_gives_value_target_achievement_and_units_reporting(startups: Indicator) -> None:
    data = run_json("--unit", "04", "--indicator", "939-01", "--from", "2025-01", "--to", "2025-06")

    # Running total to June 2025: 1500 + 30 = 1530 (August is after the range). The half year
    # of the 2017–2025 phase is compared with its pace: 800 × 102 / 108 months = 755.5…,
    # 1530 / 755.5… = 202.5% (the whole target, 800, is given beside it).
    goal = data.pop("goal")
    assert goal == pytest.approx(800 * 102 / 108)
    assert data == {
        "unit": "04",
        "unit_used": {"name": "Tỉnh Cao Bằng", "code": "04", "valid_from": None, "valid_to": None},
        "indicator": "939-01",
        "from": "2025-01",
        "to": "2025-06",
        "value": 1530,
        "target": 800,
        "compared_with": "pace",
        "achievement": 202.5,
        "units_reporting": 1,
    }


def test_the_whole_phase_is_compared_with_the_whole_target(startups: Indicator) -> None:
    data = run_json("--unit", "04", "--indicator", "939-01", "--from", "2017-01", "--to", "2025-12")

    # 1500 + 30 + 20 = 1550 over the whole phase, against the whole target: 1550 / 800.
    assert (data["compared_with"], data["goal"], data["achievement"]) == ("whole", 800, 193.75)
    output = run("--unit", "04", "--indicator", "939-01", "--from", "2017-01", "--to", "2025-12")
    assert "So sánh với: cả kế hoạch" in output and "Tỷ lệ đạt: 193,75%" in output


def test_json_numbers_are_json_numbers(startups: Indicator) -> None:
    data = run_json("--unit", "04", "--indicator", "939-01", "--from", "2025-07", "--to", "2025-09")

    # 1500 + 30 + 20 = 1550, from two units (the old ward and the new one), one per month;
    # against the pace to September 2025, 800 × 105 / 108.
    assert data["value"] == 1550 and isinstance(data["value"], int)
    assert data["achievement"] == pytest.approx(1550 * 100 / (800 * 105 / 108))
    assert isinstance(data["achievement"], float)
    assert data["units_reporting"] == 1


def test_shared_code_picks_the_unit_valid_on_the_ranges_last_day(startups: Indicator) -> None:
    # To June 2025: the old Phường Sông Hiến (1500 + 30 = 1530); no own target, no children.
    before = run_json(
        "--unit", "01273", "--indicator", "939-01", "--from", "2025-01", "--to", "2025-06"
    )
    assert (before["value"], before["target"], before["achievement"]) == (1530, None, None)
    # To September 2025: the new Phường Thục Phán (its own August 20 only).
    after = run_json(
        "--unit", "01273", "--indicator", "939-01", "--from", "2025-07", "--to", "2025-09"
    )
    assert after["value"] == 20
    assert after["unit"] == "01273"


def test_on_picks_the_unit_valid_on_that_day(startups: Indicator) -> None:
    data = run_json(
        "--unit",
        "01273",
        "--indicator",
        "939-01",
        "--from",
        "2025-07",
        "--to",
        "2025-09",
        "--on",
        "2025-06-30",
    )

    # The old ward over a range after it ended: its results to September, 1500 + 30.
    assert data["value"] == 1530


def test_unit_without_data_gives_null_value(tree: dict[str, Unit], startups: Indicator) -> None:
    data = run_json(
        "--unit", "01324", "--indicator", "939-01", "--from", "2025-01", "--to", "2025-06"
    )

    assert data["value"] is None
    assert data["target"] is None
    assert data["achievement"] is None
    assert data["units_reporting"] == 0


def test_plain_output_in_vietnamese_number_format(startups: Indicator) -> None:
    output = run("--unit", "04", "--indicator", "939-01", "--from", "2025-01", "--to", "2025-06")

    assert "Tỉnh Cao Bằng (04)" in output
    assert "Thực hiện: 1.530 người" in output
    assert "Kế hoạch: 800 người (đến hết năm 2025)" in output
    assert "So sánh với: kế hoạch theo tiến độ đến hết tháng 06/2025: 755,56 người" in output
    assert "Tỷ lệ đạt: 202,5%" in output
    assert "Số đơn vị báo cáo: 1" in output


def test_plain_output_without_data_or_target(tree: dict[str, Unit], startups: Indicator) -> None:
    output = run("--unit", "01324", "--indicator", "939-01", "--from", "2025-01", "--to", "2025-06")

    assert "Thực hiện: chưa có số liệu" in output
    assert "Kế hoạch: chưa giao" in output
    assert "Số đơn vị báo cáo: 0" in output


def test_ambiguous_code_is_an_error_naming_it(tree: dict[str, Unit], startups: Indicator) -> None:
    # A second unit with code 01324 in force at the same time (another province's slip).
    other = factories.province("Tỉnh Hà Giang", "02")
    factories.commune(other, "Xã Cốc Pàng", "01324")

    with pytest.raises(CommandError, match="01324") as error:
        run("--unit", "01324", "--indicator", "939-01", "--from", "2025-01", "--to", "2025-06")
    assert "2 đơn vị" in str(error.value)


def test_unknown_unit_code_is_an_error_naming_it(startups: Indicator) -> None:
    with pytest.raises(CommandError, match=r"--unit: không có đơn vị nào mã «99999»"):
        run("--unit", "99999", "--indicator", "939-01", "--from", "2025-01", "--to", "2025-06")


def test_code_with_no_unit_valid_on_the_day_is_an_error(startups: Indicator) -> None:
    # Huyện "040" (Thành phố Cao Bằng) ended on 2025-06-30.
    with pytest.raises(CommandError, match=r"«040».*30/09/2025"):
        run("--unit", "040", "--indicator", "939-01", "--from", "2025-07", "--to", "2025-09")


def test_unknown_indicator_is_an_error_naming_the_field(startups: Indicator) -> None:
    with pytest.raises(CommandError, match=r"--indicator: không có chỉ tiêu nào mã «939-99»"):
        run("--unit", "04", "--indicator", "939-99", "--from", "2025-01", "--to", "2025-06")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--from", "2025-13", "--to", "2025-06"), "--from"),
        (("--from", "2025-01", "--to", "tháng sáu"), "--to"),
        (("--from", "2025", "--to", "2025-06"), "--from"),
        (("--from", "2025-01", "--to", "2025-06", "--on", "30/06/2025"), "--on"),
        (("--from", "2025-06", "--to", "2025-01"), "--to"),
    ],
)
def test_bad_month_text_is_an_error_naming_the_field(
    startups: Indicator, args: tuple[str, ...], field: str
) -> None:
    with pytest.raises(CommandError, match=f"^{field}: "):
        run("--unit", "04", "--indicator", "939-01", *args)


def test_month_in_vietnamese_form_is_accepted(startups: Indicator) -> None:
    data = run_json("--unit", "04", "--indicator", "939-01", "--from", "01/2025", "--to", "06/2025")

    assert (data["from"], data["to"], data["value"]) == ("2025-01", "2025-06", 1530)


def test_json_names_the_unit_a_reused_code_resolved_to(startups: Indicator) -> None:
    """01273 is the old Phường Sông Hiến until 2025-06-30 and the new Phường Thục Phán from
    2025-07-01: the unit valid on --to's last day is used, and the output says which."""
    after = run_json(
        "--unit", "01273", "--indicator", "939-01", "--from", "2025-07", "--to", "2025-09"
    )
    before = run_json(
        "--unit", "01273", "--indicator", "939-01", "--from", "2025-01", "--to", "2025-06"
    )

    assert after["unit_used"] == {
        "name": "Phường Thục Phán", "code": "01273", "valid_from": "2025-07-01", "valid_to": None,
    }  # fmt: skip
    assert before["unit_used"] == {
        "name": "Phường Sông Hiến", "code": "01273", "valid_from": None, "valid_to": "2025-06-30",
    }  # fmt: skip
    assert before["value"] == 1530  # 1500 + 30, the old ward's running total to June
