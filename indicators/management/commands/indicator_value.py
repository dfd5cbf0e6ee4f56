"""`manage.py indicator_value`: one indicator's figure for one unit over a month range.

    python manage.py indicator_value --unit 04 --indicator 939-01 --from 2025-01 --to 2025-06
    python manage.py indicator_value --unit 01273 --indicator H-04 --from 01/2025 --to 6/2025 --json

A thin shell over indicators.figures.engine.figure: parsing and lookups are the small functions
below. Achievement is measured against the target for the view (AggregationRule.judge): a range
inside the target's period (a month, a quarter, a year of a phase) against its pace, the whole
period against the whole target; the output says which ("compared_with": "pace" or "whole", and
"goal", what the achievement divides by).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from common.numbers import format_number
from common.periods import month_end, parse_month
from indicators.figures.base import Basis
from indicators.figures.engine import Figure, figure
from indicators.models import Indicator
from members.models import Unit


def parse_month_option(text: str, option: str) -> datetime.date:
    """ "2025-06" (or "06/2025") -> 2025-06-01; CommandError naming the option otherwise."""
    try:
        return parse_month(text)
    except ValueError:
        raise CommandError(
            _("%(option)s: «%(text)s» không phải là tháng hợp lệ (dạng NNNN-TT, ví dụ 2025-06).")
            % {"option": option, "text": text}
        ) from None


def parse_day_option(text: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            _(
                "%(option)s: «%(text)s» không phải là ngày hợp lệ "
                "(dạng NNNN-TT-NN, ví dụ 2025-06-30)."
            )
            % {"option": option, "text": text}
        ) from None


def find_indicator(code: str) -> Indicator:
    indicator = Indicator.objects.select_related("program").filter(code=code.strip()).first()
    if indicator is None:
        raise CommandError(_("--indicator: không có chỉ tiêu nào mã «%(code)s».") % {"code": code})
    return indicator


def find_unit(code: str, day: datetime.date) -> Unit:
    """The unit with this code valid on `day`: an old commune and the new one that replaced it
    in 2025 may share a code, the day tells them apart."""
    code = code.strip()
    candidates = list(Unit.objects.filter(code=code))
    if not candidates:
        raise CommandError(_("--unit: không có đơn vị nào mã «%(code)s».") % {"code": code})
    valid = [unit for unit in candidates if unit.is_valid_on(day)]
    if not valid:
        raise CommandError(
            _("--unit: không có đơn vị mã «%(code)s» còn hiệu lực ngày %(day)s.")
            % {"code": code, "day": f"{day:%d/%m/%Y}"}
        )
    if len(valid) > 1:
        raise CommandError(
            _(
                "--unit: mã «%(code)s» ứng với %(count)d đơn vị cùng hiệu lực ngày %(day)s "
                "(%(names)s); không biết chọn đơn vị nào."
            )
            % {
                "code": code,
                "count": len(valid),
                "day": f"{day:%d/%m/%Y}",
                "names": ", ".join(unit.name for unit in valid),
            }
        )
    return valid[0]


def json_number(number: Decimal | None) -> int | float | None:
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def unit_used(unit: Unit) -> dict[str, str | None]:
    """Which unit a code resolved to: codes are reused (every new commune of 2025 kept one old
    commune's code), so the output names the unit and its dates."""
    return {
        "name": unit.name,
        "code": unit.code,
        "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
    }


def compared_with(result: Figure) -> str | None:
    """What the achievement divides by: "pace" (the share of the target due by the range's
    end) or "whole" (the whole target; for a stock or a rate, the level to reach by its end);
    None without a target."""
    if result.goal is None:
        return None
    return "pace" if result.basis == Basis.PACE else "whole"


def as_json(
    unit_code: str,
    indicator_code: str,
    start: datetime.date,
    end: datetime.date,
    result: Figure,
    unit: Unit | None = None,
) -> str:
    return json.dumps(
        {
            "unit": unit_code,
            **({"unit_used": unit_used(unit)} if unit is not None else {}),
            "indicator": indicator_code,
            "from": f"{start:%Y-%m}",
            "to": f"{end:%Y-%m}",
            "value": json_number(result.value),
            "target": json_number(result.target),
            "compared_with": compared_with(result),
            "goal": json_number(result.goal),
            "achievement": json_number(result.achievement),
            "units_reporting": result.units_reporting,
        },
        ensure_ascii=False,
    )


def as_text(
    unit: Unit, indicator: Indicator, start: datetime.date, end: datetime.date, result: Figure
) -> str:
    measure = f" {indicator.unit}" if indicator.unit and indicator.unit != "%" else ""
    percent = "%" if indicator.unit == "%" else ""
    if result.value is None:
        value = _("chưa có số liệu")
    else:
        value = f"{format_number(result.value, 2)}{percent}{measure}"
    if result.target is None:
        target = _("chưa giao")
    else:
        target = f"{format_number(result.target, 2)}{percent}{measure}"
        if result.target_period_end is not None:
            target += " " + _("(đến hết năm %(year)d)") % {"year": result.target_period_end.year}
    achievement = (
        f"{format_number(result.achievement, 2)}%" if result.achievement is not None else "—"
    )
    basis = None
    if compared_with(result) == "pace" and result.goal is not None:
        basis = _("kế hoạch theo tiến độ đến hết tháng %(month)s: %(goal)s") % {
            "month": f"{end:%m/%Y}",
            "goal": f"{format_number(result.goal, 2)}{percent}{measure}",
        }
    elif compared_with(result) == "whole":
        basis = _("cả kế hoạch")
    lines = [
        _("Đơn vị: %(name)s (%(code)s)") % {"name": unit.name, "code": unit.code},
        _("Chỉ tiêu: %(code)s %(name)s") % {"code": indicator.code, "name": indicator.name_vi},
        _("Kỳ: %(start)s – %(end)s") % {"start": f"{start:%m/%Y}", "end": f"{end:%m/%Y}"},
        _("Thực hiện: %(value)s") % {"value": value},
        _("Kế hoạch: %(target)s") % {"target": target},
        *([_("So sánh với: %(basis)s") % {"basis": basis}] if basis else []),
        _("Tỷ lệ đạt: %(achievement)s") % {"achievement": achievement},
        _("Số đơn vị báo cáo: %(count)s")
        % {"count": format_number(Decimal(result.units_reporting))},
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Giá trị của một chỉ tiêu cho một đơn vị trong một khoảng tháng, với kế hoạch và tỷ lệ đạt "
        "(The value of an indicator for a unit over a month range, with target and achievement)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="Mã đơn vị (unit code), ví dụ 04, 01273")
        parser.add_argument("--indicator", required=True, help="Mã chỉ tiêu, ví dụ 939-01")
        parser.add_argument("--from", dest="start", required=True, help="Tháng đầu, NNNN-TT")
        parser.add_argument("--to", dest="end", required=True, help="Tháng cuối, NNNN-TT")
        parser.add_argument(
            "--on",
            dest="on",
            help="Ngày dùng để chọn đơn vị khi nhiều đơn vị cùng mã (mặc định: ngày cuối kỳ)",
        )
        parser.add_argument("--json", action="store_true", help="In một đối tượng JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        start = parse_month_option(options["start"], "--from")
        end = parse_month_option(options["end"], "--to")
        if end < start:
            raise CommandError(
                _("--to: tháng cuối %(end)s ở trước tháng đầu %(start)s.")
                % {"end": f"{end:%m/%Y}", "start": f"{start:%m/%Y}"}
            )
        day = parse_day_option(options["on"], "--on") if options["on"] else month_end(end)
        indicator = find_indicator(options["indicator"])
        unit = find_unit(options["unit"], day)
        result = figure(indicator, unit, start, end)
        if options["json"]:
            self.stdout.write(as_json(unit.code, indicator.code, start, end, result, unit))
        else:
            self.stdout.write(as_text(unit, indicator, start, end, result))
