"""A few activity records for the demo, consistent with the demo's results.

For the demo officer's commune of each province (the first commune, `xa.<province>`), the
latest month whose result of an indicator derived from activities is 1 to MAX_PER_MONTH gets
as many activities of the matching type as that result says, so the entry form's
computed figure and the list of activities behind it agree. Written directly, not through
programs.services: those months are approved in the demo, and the figures are already the
demo's results. Idempotent: a commune that has activities gets none.
"""

from __future__ import annotations

import datetime

from indicators.catalogue.derived import COUNT, parse_spec
from indicators.models import Indicator, Result
from members.models import Level, Unit
from programs.models import Activity, ActivityType

MAX_PER_MONTH = 4
TITLES = {
    "tap_huan": "Lớp tập huấn hỗ trợ phụ nữ khởi nghiệp",
    "doi_thoai": "Đối thoại chính sách với lãnh đạo cấp ủy, chính quyền xã",
    "giao_duc_cha_me": "Sinh hoạt chuyên đề giáo dục làm cha mẹ",
}


def _activities(commune: Unit, indicator: Indicator, result: Result) -> list[Activity]:
    spec = parse_spec(indicator.derived_from)
    if spec.kind != COUNT or len(spec.types) != 1 or result.value is None:
        return []
    count = int(result.value)
    if not 1 <= count <= MAX_PER_MONTH:
        return []
    kind = ActivityType.objects.get(code=spec.types[0])
    title = TITLES.get(kind.code, kind.name)
    return [
        Activity(
            program=indicator.program,
            unit=commune,
            type=kind,
            title=f"{title} (đợt {n + 1})",
            starts_on=result.month + datetime.timedelta(days=4 + 7 * n),
            place=f"Hội trường {commune.name}",
            participants=30 + 5 * n,
            participants_women=25 + 5 * n,
            participants_minority=8,
            participants_over35=12,
        )
        for n in range(count)
    ]


def add_demo_activities(provinces: list[Unit]) -> int:
    derived = list(Indicator.objects.exclude(derived_from="").select_related("program"))
    rows: list[Activity] = []
    for province in provinces:
        commune = Unit.objects.filter(parent=province, level=Level.COMMUNE).current().first()
        if commune is None or Activity.objects.filter(unit__path__startswith=commune.path).exists():
            continue
        for indicator in derived:
            result = (
                Result.objects.filter(
                    unit=commune, indicator=indicator, value__gte=1, value__lte=MAX_PER_MONTH
                )
                .order_by("-month")
                .first()
            )
            if result is not None:
                rows += _activities(commune, indicator, result)
    Activity.objects.bulk_create(rows)
    return len(rows)
