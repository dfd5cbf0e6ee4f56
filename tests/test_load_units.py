import datetime

import pytest

from members import gazetteer
from members.models import Level, Unit, UnitSuccession
from members.selectors import predecessors, province_by_name
from members.services import UnknownProvinceError, load_units

SEED_PROVINCES = ["Khánh Hòa", "Cao Bằng", "Quảng Ninh", "Thừa Thiên Huế"]
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", SEED_PROVINCES)
def test_loaded_units_match_the_package_counts(name: str) -> None:
    [load] = load_units([name])
    expected = gazetteer.package_counts(name)
    province = load.province
    tree = Unit.objects.subtree(province)

    current_communes = tree.filter(level=Level.COMMUNE).valid_on(datetime.date(2025, 7, 1))
    assert current_communes.count() == expected["communes"]
    assert all(c.parent_id == province.pk for c in current_communes)
    old_districts = Unit.objects.filter(level=Level.DISTRICT, valid_to=gazetteer.LEGACY_END)
    assert old_districts.count() == expected["legacy_districts"]
    old_communes = Unit.objects.filter(level=Level.COMMUNE).valid_on(datetime.date(2024, 12, 31))
    assert old_communes.count() == expected["legacy_communes"]


def test_province_and_commune_codes_keep_their_leading_zeros() -> None:
    load_units(["Cao Bằng"])
    cao_bang = Unit.objects.get(level=Level.PROVINCE, code="04")
    thuc_phan = Unit.objects.get(code="01273", valid_from=gazetteer.REFORM_DATE)

    assert (cao_bang.name, cao_bang.short_name) == ("Tỉnh Cao Bằng", "Cao Bằng")
    assert (thuc_phan.name, thuc_phan.short_name) == ("Phường Thục Phán", "Thục Phán")
    assert thuc_phan.parent == cao_bang


def test_new_commune_links_to_the_old_communes_it_was_merged_from() -> None:
    load_units(["Cao Bằng"])
    thuc_phan = Unit.objects.get(code="01273", valid_from=gazetteer.REFORM_DATE)

    names = set(predecessors(thuc_phan).values_list("name", flat=True))

    assert {"Phường Sông Hiến", "Phường Hợp Giang", "Phường Đề Thám", "Xã Hưng Đạo"} <= names
    old_hop_giang = Unit.objects.get(code="01273", valid_to=gazetteer.LEGACY_END)
    assert old_hop_giang.parent is not None and old_hop_giang.parent.level == Level.DISTRICT


def test_merged_in_province_is_kept_as_an_ended_unit() -> None:
    [load] = load_units(["Khánh Hòa"])

    ninh_thuan = Unit.objects.get(level=Level.PROVINCE, code="58")
    assert ninh_thuan.valid_to == datetime.date(2025, 6, 30)
    assert load.province.valid_to is None
    assert load.legacy_provinces == 2
    assert UnitSuccession.objects.filter(predecessor__path__startswith=ninh_thuan.path).exists()


def test_loading_twice_changes_nothing() -> None:
    load_units(["Cao Bằng"])
    before = list(Unit.objects.values_list("pk", "path", "name", "valid_from", "valid_to"))
    links_before = UnitSuccession.objects.count()

    [again] = load_units(["Cao Bằng"])

    assert (again.counts.created, again.counts.updated) == (0, 0)
    assert list(Unit.objects.values_list("pk", "path", "name", "valid_from", "valid_to")) == before
    assert UnitSuccession.objects.count() == links_before


def test_old_name_of_hue_finds_the_city() -> None:
    load_units(["Thừa Thiên Huế"])

    hue = province_by_name("Thừa Thiên Huế")

    assert hue is not None and (hue.code, hue.name) == ("46", "Thành phố Huế")


def test_unknown_province_is_refused_and_nothing_is_written() -> None:
    with pytest.raises(UnknownProvinceError, match="Không tìm thấy tỉnh/thành phố «Gotham»"):
        load_units(["Cao Bằng", "Gotham"])

    assert not Unit.objects.exists()


def test_a_reused_province_code_stays_the_current_province_whatever_the_order() -> None:
    # Tiền Giang's code 82 is Đồng Tháp's since 2025, and part of Tiền Giang went to Tây Ninh:
    # loading Tây Ninh after Đồng Tháp must not turn Đồng Tháp back into the ended Tiền Giang.
    load_units(["Đồng Tháp"])
    load_units(["Tây Ninh"])

    dong_thap = Unit.objects.get(level=Level.PROVINCE, code="82")
    assert (dong_thap.name, dong_thap.valid_to) == ("Tỉnh Đồng Tháp", None)
    assert dong_thap.is_valid_on(datetime.date(2026, 1, 1))
    assert Unit.objects.get(level=Level.PROVINCE, code="80").name == "Tỉnh Tây Ninh"
