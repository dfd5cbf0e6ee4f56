"""A small Khánh Hòa tree with results and targets for Đề án 939, for the report tests.

    Tỉnh Khánh Hòa (56)
    ├── Phường Ba Ngòi (22735)      939-01: 4 + 6 (2025-01, 2025-03); 939-02: 30/40 in 2025-03
    └── Phường Nha Trang (22333)    939-01: 5 (2025-02);              939-02: 10/20 in 2025-02
Targets: 939-01 for the province 40 by 2025-12, Ba Ngòi 20, Nha Trang 20.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from indicators.figures import totals
from indicators.models import Indicator, Result, Target
from programs.models import Program


def month(text: str) -> datetime.date:
    year, mon = text.split("-")
    return datetime.date(int(year), int(mon), 1)


def add_results(khanh_hoa) -> Program:
    """Needs the `catalog` fixture (programs and indicators)."""
    i1 = Indicator.objects.get(code="939-01")
    i2 = Indicator.objects.get(code="939-02")
    for unit, when, value in [
        (khanh_hoa.ba_ngoi, "2025-01", 4),
        (khanh_hoa.ba_ngoi, "2025-03", 6),
        (khanh_hoa.nha_trang, "2025-02", 5),
    ]:
        Result.objects.create(unit=unit, indicator=i1, month=month(when), value=Decimal(value))
    for unit, when, num, den in [
        (khanh_hoa.ba_ngoi, "2025-03", 30, 40),
        (khanh_hoa.nha_trang, "2025-02", 10, 20),
    ]:
        Result.objects.create(
            unit=unit, indicator=i2, month=month(when), numerator=num, denominator=den
        )
    totals.rebuild([i1.pk, i2.pk])  # rows written directly: the month totals are rebuilt
    end = datetime.date(2025, 12, 31)
    for unit, value in [
        (khanh_hoa.province, 40),
        (khanh_hoa.ba_ngoi, 20),
        (khanh_hoa.nha_trang, 20),
    ]:
        Target.objects.create(unit=unit, indicator=i1, period_end=end, value=Decimal(value))
    return i1.program
