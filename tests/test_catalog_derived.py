"""The catalogue's optional `derived_from` column: read and checked row by row, and absent
from older catalogues without harm."""

import csv
import shutil
from pathlib import Path

import pytest

from indicators.catalogue.catalog import CatalogError
from indicators.catalogue.services import DEFAULT_CATALOG_DIR, load_catalog
from indicators.models import Indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("programs.csv", "indicators.csv"):
        shutil.copy(DEFAULT_CATALOG_DIR / name, tmp_path / name)
    return tmp_path


def _set(folder: Path, code: str, column: str, value: str) -> int:
    """Sets one cell of indicators.csv; returns the row's line number."""
    path = folder / "indicators.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    line = next(n for n, row in enumerate(rows, start=2) if row["code"] == code)
    rows[line - 2][column] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        writer.writerows(rows)
    return line


def test_the_shipped_catalogue_derives_three_indicators_from_activities(folder) -> None:
    load_catalog(folder)

    derived = dict(Indicator.objects.exclude(derived_from="").values_list("code", "derived_from"))
    assert derived == {
        "939-06": "activities:count:type=tap_huan",
        "DA8-02": "activities:count:type=doi_thoai",
        "938-06": "activities:count:type=giao_duc_cha_me",
    }


def test_a_catalogue_without_the_column_still_loads(folder) -> None:
    path = folder / "indicators.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [f for f in rows[0] if f != "derived_from"])
        writer.writeheader()
        writer.writerows([{k: v for k, v in r.items() if k != "derived_from"} for r in rows])

    load_catalog(folder)

    assert not Indicator.objects.exclude(derived_from="").exists()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("activities:count:type=tap_huan_nhom", "loại hoạt động «tap_huan_nhom» không có"),
        ("activities:sum:nu_tham_gia", "trường cộng «nu_tham_gia» không có"),
        ("activities:average", "phải bắt đầu bằng activities:count"),
        ("activities:count:loai=tap_huan", "«loai=tap_huan» không hiểu được"),
    ],
)
def test_a_bad_spec_names_the_row_and_writes_nothing(folder, spec: str, message: str) -> None:
    line = _set(folder, "939-06", "derived_from", spec)

    with pytest.raises(CatalogError) as caught:
        load_catalog(folder)

    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.column) == ("indicators.csv", line, "derived_from")
    assert message in problem.message
    assert not Indicator.objects.exists()


def test_a_derived_rate_is_refused(folder) -> None:
    line = _set(folder, "939-02", "derived_from", "activities:count:type=truyen_thong")

    with pytest.raises(CatalogError) as caught:
        load_catalog(folder)

    assert f"dòng {line}, cột «derived_from»: chỉ tiêu tính từ hoạt động phải có" in str(
        caught.value
    )
