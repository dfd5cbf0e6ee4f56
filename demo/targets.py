"""The demo's targets for the year it is loaded in.

The catalogue's targets are those of the documents (2025). Loaded in a later year, the demo
would show "chưa giao" in every cell of the dashboard's default program (CTH, the Union's annual
indicators: the first program running that year), since a flow's target holds for its own
year only. So the demo sets, for each seed province, a CTH target for the year of the month
just ended that has none: a tenth above last year's figure for what adds up, last year's level
(a rate five points up, at most 100%) for the rest. `add_demo_commune_targets` then splits them.
The default program stays CTH, the program every commune reports on; a dashboard that picked
whichever program had targets would change program from one unit to the next.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_CEILING, Decimal

from indicators.catalogue.targets import is_additive
from indicators.figures import engine
from indicators.models import Indicator, Rule, Target
from members.models import Unit
from programs.models import Program

DEMO_TARGET_PROGRAM = "CTH"
NOTE = "demo: mục tiêu năm, tính từ số liệu năm trước"


def _target_from(indicator: Indicator, last_year: Decimal) -> Decimal:
    if is_additive(indicator):
        return max(Decimal(1), (last_year * Decimal("1.1")).quantize(Decimal(1), ROUND_CEILING))
    if indicator.rule in (Rule.RATE, Rule.COVERAGE):
        return min(Decimal(100), (last_year + 5).quantize(Decimal(1), ROUND_CEILING))
    return last_year.quantize(Decimal(1), ROUND_CEILING)


def add_demo_year_targets(provinces: list[Unit], year: int) -> int:
    """CTH targets ending on 31/12 of `year` for the provinces that have none (idempotent)."""
    program = Program.objects.filter(code=DEMO_TARGET_PROGRAM).first()
    if program is None or not program.start_year <= year <= program.end_year:
        return 0
    period_end = datetime.date(year, 12, 31)
    have = set(
        Target.objects.filter(unit__in=provinces, period_end=period_end).values_list(
            "unit_id", "indicator_id"
        )
    )
    rows = []
    for province in provinces:
        for indicator in Indicator.objects.filter(program=program).order_by("position"):
            if (province.pk, indicator.pk) in have:
                continue
            last = engine.figure(
                indicator, province, datetime.date(year - 1, 1, 1), datetime.date(year - 1, 12, 1)
            ).value
            if last is None or last <= 0:
                continue
            value = _target_from(indicator, Decimal(last))
            rows.append(Target(unit=province, indicator=indicator, period_end=period_end,
                               value=value, note=NOTE))  # fmt: skip
    return len(Target.objects.bulk_create(rows, ignore_conflicts=True))
