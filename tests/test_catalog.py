import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from indicators.catalogue.catalog import CatalogError
from indicators.catalogue.services import DEFAULT_CATALOG_DIR, load_catalog
from indicators.models import Indicator, Rule, Target
from members.services import load_units
from programs.models import Program

pytestmark = pytest.mark.django_db


@pytest.fixture
def provinces(db: None) -> None:
    load_units(["Cao Bằng", "Khánh Hòa"], with_legacy=False)


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    shutil.copytree(DEFAULT_CATALOG_DIR, tmp_path / "catalog")
    return tmp_path / "catalog"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_catalogue_loads_programs_indicators_and_targets(provinces) -> None:
    summary = load_catalog()

    assert summary["programs"]["created"] == 4
    assert Indicator.objects.count() == 33
    assert Target.objects.count() == 15
    coverage = Indicator.objects.get(code="938-02")
    assert coverage.rule == Rule.COVERAGE
    assert (coverage.source.code, coverage.threshold) == ("938-01", Decimal("1"))
    assert Indicator.objects.get(code="DA8-04").part_of.code == "DA8-03"
    target = Target.objects.get(indicator__code="939-01", unit__code="04")
    assert (target.value, target.period_end.isoformat()) == (Decimal("800"), "2025-12-31")


def test_loading_the_same_folder_twice_changes_nothing(provinces) -> None:
    load_catalog()
    again = load_catalog()

    for table in ("programs", "indicators", "targets"):
        assert again[table]["created"] == again[table]["updated"] == 0
    assert Indicator.objects.count() == 33


def test_an_edited_row_is_updated_in_place(provinces, catalog_copy: Path) -> None:
    load_catalog(catalog_copy)
    _replace(catalog_copy / "targets.csv", "939-01,2025,800", "939-01,2025,850")

    summary = load_catalog(catalog_copy)

    assert summary["targets"]["updated"] == 1
    assert Target.objects.get(indicator__code="939-01").value == Decimal("850")


def test_a_bad_rule_names_file_line_and_column_and_writes_nothing(
    provinces, catalog_copy: Path
) -> None:
    _replace(catalog_copy / "indicators.csv", "người,cumulative,commune", "người,average,commune")

    with pytest.raises(CatalogError) as caught:
        load_catalog(catalog_copy)

    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.column) == ("indicators.csv", 2, "rule")
    assert "«average» không hợp lệ" in str(problem)
    assert not Program.objects.exists() and not Indicator.objects.exists()


def test_every_problem_is_listed_at_once(provinces, catalog_copy: Path) -> None:
    _replace(catalog_copy / "programs.csv", ",2017,2025", ",2025,2017")
    _replace(catalog_copy / "indicators.csv", "938-01,1,", "938-99,1,")
    _replace(
        catalog_copy / "targets.csv", "Khánh Hòa,CTH,H-01,2025,1100", "Khánh Hòa,CTH,H-01,2025,abc"
    )

    with pytest.raises(CatalogError) as caught:
        load_catalog(catalog_copy)

    found = {(p.file, p.column) for p in caught.value.problems}
    assert found == {
        ("programs.csv", "end_year"),
        ("indicators.csv", "source"),
        ("targets.csv", "target"),
    }


def test_a_rate_target_above_100_percent_is_refused(provinces, catalog_copy: Path) -> None:
    _replace(catalog_copy / "targets.csv", "939-02,2025,70", "939-02,2025,700")

    with pytest.raises(CatalogError, match=r"targets.csv, dòng 3, cột «target»"):
        load_catalog(catalog_copy)


def test_targets_need_the_province_loaded_first(db, catalog_copy: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog(catalog_copy)

    assert {p.column for p in caught.value.problems} == {"province"}
    assert "chạy load_units trước" in str(caught.value)


def test_command_reports_the_errors_in_vietnamese(provinces, catalog_copy: Path) -> None:
    (catalog_copy / "indicators.csv").unlink()

    with pytest.raises(CommandError, match="không có gì được ghi"):
        call_command("load_catalog", str(catalog_copy))
