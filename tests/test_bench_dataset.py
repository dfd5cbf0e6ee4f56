"""The benchmark's national dataset (bench.national) at a tiny size: both maps of the 2025
reform from the package's real units, the merger links, and results on each side of 2025-07-01."""

import datetime

import pytest

from bench import national
from indicators.models import MonthTotal, Result
from members import gazetteer
from members.models import Level, Unit, UnitSuccession
from members.services import create_unit

pytestmark = pytest.mark.django_db

REFORM = gazetteer.REFORM_DATE


def test_tiny_dataset_has_both_maps_links_and_results_on_both_sides() -> None:
    kept = create_unit(level=Level.PROVINCE, code="B99", name="Not the bench's")
    # Khánh Hòa took in Ninh Thuận in 2025; Cao Bằng continued alone.
    data = national.build(0, 3, 1, last=datetime.date(2025, 8, 1), provinces=["56", "04"])

    bench = Unit.objects.filter(code__startswith=national.PREFIX, is_demo=True)
    khanh_hoa = national.timed_province()
    assert khanh_hoa.valid_to is None and khanh_hoa.name == "Tỉnh Khánh Hòa"
    assert [u.code for u in national.merged_into(khanh_hoa)] == ["B58"]
    ninh_thuan = national.merged_into(khanh_hoa)[0]
    assert ninh_thuan.valid_to == gazetteer.LEGACY_END and ninh_thuan.parent == khanh_hoa.parent
    expected = [gazetteer.package_counts(code) for code in ("56", "04")]
    assert (data.provinces, data.communes) == (2, sum(c["communes"] for c in expected))
    assert (data.legacy_provinces, data.legacy_districts, data.legacy_communes) == (
        3,
        sum(c["legacy_districts"] for c in expected),
        sum(c["legacy_communes"] for c in expected),
    )
    new = bench.filter(level=Level.COMMUNE, valid_from=REFORM, valid_to=None)
    old = bench.filter(level=Level.COMMUNE, valid_to=gazetteer.LEGACY_END)
    assert (new.count(), old.count()) == (data.communes, data.legacy_communes)
    assert bench.filter(level=Level.DISTRICT).count() == data.legacy_districts
    assert bench.filter(level=Level.BRANCH).count() == data.communes + data.legacy_communes
    # Old communes sit under districts of the continuing province or of Ninh Thuận.
    assert old.filter(path__startswith=ninh_thuan.path).exists()
    assert old.filter(path__startswith=khanh_hoa.path).exists()

    links = UnitSuccession.objects.filter(successor__in=new)
    assert links.count() == data.successions > data.communes
    assert all(link.effective_on == REFORM for link in links)
    assert not new.exclude(pk__in=links.values("successor")).exists()
    assert links.filter(predecessor__path__startswith=ninh_thuan.path).exists()

    results = Result.objects.filter(unit__in=bench)
    before, after = results.filter(month__lt=REFORM), results.filter(month__gte=REFORM)
    assert before.exists() and after.exists()
    assert data.results == results.count() and data.results_before_reform == before.count()
    assert not before.exclude(unit__valid_to=gazetteer.LEGACY_END).exists()
    assert not after.exclude(unit__valid_to=None).exists()
    assert {m for m in results.values_list("month", flat=True).distinct()} == {
        datetime.date(2025, 6, 1), datetime.date(2025, 7, 1), datetime.date(2025, 8, 1)
    }  # fmt: skip
    assert MonthTotal.objects.filter(unit=khanh_hoa, month=datetime.date(2025, 6, 1)).exists()
    assert MonthTotal.objects.filter(unit=khanh_hoa, month=datetime.date(2025, 8, 1)).exists()

    again = national.existing(datetime.date(2025, 8, 1))
    assert again is not None
    assert (again.provinces, again.communes, again.legacy_communes, again.successions) == (
        data.provinces, data.communes, data.legacy_communes, data.successions
    )  # fmt: skip

    national.reset()
    assert not Unit.objects.filter(code__startswith=national.PREFIX, is_demo=True).exists()
    assert Unit.objects.filter(pk=kept.pk).exists()


def test_the_communes_option_takes_whole_provinces_the_timed_one_first() -> None:
    order = national.provinces_in_order()
    assert order[0] == national.TIMED_PROVINCE and len(order) == len(set(order)) == 34
    chosen = national.choose_provinces(1)
    assert [spec.current.code for spec in chosen] == [national.TIMED_PROVINCE]
    first = len(chosen[0].current.children)
    assert len(national.choose_provinces(first + 1)) == 2
