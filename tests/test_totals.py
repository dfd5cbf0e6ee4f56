"""Month totals: kept current by every write, equal to a rebuild from the results, and what
a province's flow reads right after a save."""

import datetime
from decimal import Decimal

import pytest

from indicators.cycle.entry import Entry
from indicators.cycle.recording import record_results
from indicators.figures import totals
from indicators.figures.engine import figure, reads_totals
from indicators.models import Indicator, MonthTotal

pytestmark = pytest.mark.django_db
SEP, OCT = datetime.date(2025, 9, 1), datetime.date(2025, 10, 1)


def ind(code: str) -> Indicator:
    return Indicator.objects.select_related("part_of", "program").get(code=code)


def snapshot() -> set[tuple]:
    return set(
        MonthTotal.objects.filter(units__gt=0).values_list(
            "unit__name", "indicator__code", "month", "value", "numerator", "denominator", "units"
        )
    )


def test_writes_keep_the_totals_equal_to_a_rebuild(khanh_hoa, catalog) -> None:
    h01, h05, h09 = ind("H-01"), ind("H-05"), ind("H-09")
    record_results(
        [
            Entry(khanh_hoa.ba_ngoi, h01, SEP, value=Decimal(3)),
            Entry(khanh_hoa.nha_trang, h01, SEP, value=Decimal(4)),
            Entry(khanh_hoa.ba_ngoi, h05, OCT, numerator=Decimal(30), denominator=Decimal(40)),
            Entry(khanh_hoa.ba_ngoi_branch, h09, OCT, value=Decimal(2)),
        ]
    )
    record_results(
        [
            Entry(khanh_hoa.ba_ngoi, h01, SEP, value=Decimal(8)),  # changed
            Entry(khanh_hoa.nha_trang, h01, SEP),  # cleared: the row goes
            Entry(khanh_hoa.ba_ngoi, h05, OCT, numerator=Decimal(35), denominator=Decimal(40)),
        ]
    )
    kept = snapshot()

    totals.rebuild()

    assert snapshot() == kept
    province = ("Tỉnh Khánh Hòa", "H-01", SEP, Decimal(8), Decimal(0), Decimal(0), 1)
    assert province in kept
    # The branch's figure is in its commune's totals and in the province's.
    assert ("Phường Ba Ngòi", "H-09", OCT, Decimal(2), Decimal(0), Decimal(0), 1) in kept


def test_a_province_flow_reads_the_totals_and_sees_a_save_at_once(khanh_hoa, catalog) -> None:
    h01 = ind("H-01")
    assert reads_totals(h01, khanh_hoa.province)
    assert not reads_totals(h01, khanh_hoa.ba_ngoi)

    record_results([Entry(khanh_hoa.ba_ngoi, h01, OCT, value=Decimal(5))])
    before = figure(h01, khanh_hoa.province, OCT, OCT).value
    record_results([Entry(khanh_hoa.nha_trang, h01, OCT, value=Decimal(7))])

    assert (before, figure(h01, khanh_hoa.province, OCT, OCT).value) == (5, 12)
