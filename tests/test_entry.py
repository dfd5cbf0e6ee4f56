import datetime
from decimal import Decimal

import pytest

from indicators.cycle.entry import (
    Entry,
    EntryError,
    EntryRefused,
    check_entries,
    save_month,
)
from indicators.cycle.recording import record_results
from indicators.models import Indicator, Result
from programs.models import Program

pytestmark = pytest.mark.django_db
OCT = datetime.date(2025, 10, 1)


def ind(code: str) -> Indicator:
    return Indicator.objects.select_related("part_of", "program").get(code=code)


def messages(problems) -> list[str]:
    return [p.message for p in problems]


def test_negative_and_fractional_counts_are_refused(khanh_hoa, catalog) -> None:
    problems = check_entries(
        [
            Entry(khanh_hoa.ba_ngoi, ind("H-01"), OCT, value=Decimal(-2)),
            Entry(khanh_hoa.ba_ngoi, ind("H-04"), OCT, value=Decimal("2.5")),
        ]
    )

    assert messages(problems) == ["không được âm", "phải là số nguyên (đây là số đếm)"]


def test_numerator_above_denominator_is_refused(khanh_hoa, catalog) -> None:
    entry = Entry(
        khanh_hoa.ba_ngoi, ind("H-05"), OCT, numerator=Decimal(900), denominator=Decimal(800)
    )

    [problem] = check_entries([entry])

    assert (problem.field, problem.message) == ("numerator", "tử số (900) lớn hơn mẫu số (800)")


def test_a_rate_needs_both_parts(khanh_hoa, catalog) -> None:
    [problem] = check_entries([Entry(khanh_hoa.ba_ngoi, ind("H-05"), OCT, numerator=Decimal(5))])

    assert (problem.field, problem.message) == ("denominator", "thiếu mẫu số")


def test_breakdown_above_its_total_is_refused(khanh_hoa, catalog) -> None:
    entries = [
        Entry(khanh_hoa.ba_ngoi, ind("H-11"), OCT, value=Decimal(10)),
        Entry(khanh_hoa.ba_ngoi, ind("H-12"), OCT, value=Decimal(12)),
    ]

    [problem] = check_entries(entries)

    assert problem.entry.indicator.code == "H-12"
    assert problem.message == "«trong đó» (12) lớn hơn tổng H-11 (10)"


def test_breakdown_is_checked_against_the_saved_total(khanh_hoa, catalog) -> None:
    record_results([Entry(khanh_hoa.ba_ngoi, ind("H-11"), OCT, value=Decimal(10))])

    problems = check_entries([Entry(khanh_hoa.ba_ngoi, ind("H-12"), OCT, value=Decimal(11))])

    assert len(problems) == 1


def test_values_only_at_the_indicator_level(khanh_hoa, catalog) -> None:
    on_branch = Entry(khanh_hoa.ba_ngoi_branch, ind("H-01"), OCT, value=Decimal(1))
    on_commune = Entry(khanh_hoa.ba_ngoi, ind("H-09"), OCT, value=Decimal(1))
    coverage = Entry(khanh_hoa.ba_ngoi, ind("H-06"), OCT, value=Decimal(1))

    problems = check_entries([on_branch, on_commune, coverage])

    assert len(problems) == 3
    assert "tự động" in problems[2].message


def test_a_value_far_above_the_units_history_is_a_warning_not_an_error(khanh_hoa, catalog) -> None:
    h01 = ind("H-01")
    record_results(
        [
            Entry(khanh_hoa.ba_ngoi, h01, datetime.date(2025, m, 1), value=Decimal(4))
            for m in (6, 7, 8, 9)
        ]
    )

    summary = record_results([Entry(khanh_hoa.ba_ngoi, h01, OCT, value=Decimal(400))])

    assert summary.created == 1
    [warning] = summary.warnings
    assert not warning.blocking and "cao bất thường" in warning.message


def test_saving_a_month_is_all_or_nothing_with_every_error_listed(khanh_hoa, catalog) -> None:
    entries = [
        Entry(khanh_hoa.ba_ngoi, ind("H-01"), OCT, value=Decimal(3)),
        Entry(khanh_hoa.ba_ngoi, ind("H-04"), OCT, value=Decimal(-1)),
        Entry(khanh_hoa.ba_ngoi, ind("H-05"), OCT, numerator=Decimal(9), denominator=Decimal(3)),
    ]

    with pytest.raises(EntryError) as caught:
        record_results(entries)

    assert len(caught.value.problems) == 2
    assert not Result.objects.exists()


def test_a_cleared_field_removes_the_saved_figure(khanh_hoa, catalog) -> None:
    record_results([Entry(khanh_hoa.ba_ngoi, ind("H-01"), OCT, value=Decimal(3))])

    summary = record_results([Entry(khanh_hoa.ba_ngoi, ind("H-01"), OCT)])

    assert summary.deleted == 1 and not Result.objects.exists()


def test_saving_the_same_month_twice_changes_nothing(khanh_hoa, catalog) -> None:
    entries = [Entry(khanh_hoa.ba_ngoi, ind("H-01"), OCT, value=Decimal(3))]
    record_results(entries)
    stamp = Result.objects.get().updated_at

    summary = record_results(entries)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    assert Result.objects.get().updated_at == stamp


def test_officer_cannot_save_another_communes_month(khanh_hoa, catalog) -> None:
    cth = Program.objects.get(code="CTH")
    entry = Entry(khanh_hoa.nha_trang, ind("H-01"), OCT, value=Decimal(1))

    with pytest.raises(EntryRefused):
        save_month(
            user=khanh_hoa.commune_officer, unit=khanh_hoa.nha_trang, program=cth, month=OCT,
            entries=[entry],
        )  # fmt: skip


def test_months_outside_the_phase_or_in_the_future_are_refused(khanh_hoa, catalog) -> None:
    da939 = Program.objects.get(code="DA939")  # 2017–2025
    for month in (datetime.date(2026, 1, 1), datetime.date(2099, 1, 1)):
        with pytest.raises(EntryRefused):
            save_month(
                user=khanh_hoa.commune_officer, unit=khanh_hoa.ba_ngoi, program=da939,
                month=month, entries=[],
            )  # fmt: skip


def test_a_number_too_large_to_store_is_refused_with_a_message(khanh_hoa, catalog) -> None:
    [problem] = check_entries([Entry(khanh_hoa.ba_ngoi, ind("H-01"), OCT, value=Decimal(10) ** 13)])

    assert problem.message == "số quá lớn"
