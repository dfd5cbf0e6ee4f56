"""The wide-form reader on the shared sample and on workbooks shaped like real files."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from imports.readers.wide import read_wide
from members.models import Level, Unit
from members.services import load_units

pytestmark = pytest.mark.django_db

LEGACY = Path("/work/shared/legacy")


@pytest.fixture
def cao_bang(catalog: None) -> Unit:
    """Cao Bằng as the package has it: the current communes and the pre-2025 map."""
    load_units(["Cao Bằng"])
    return Unit.objects.get(level=Level.PROVINCE, code="04")


def test_the_sample_reads_as_its_readme_says(cao_bang: Unit) -> None:
    expected = json.loads((LEGACY / "expected.json").read_text())["wide-939-cao-bang-2025.xlsx"]

    parsed = read_wide(LEGACY / "wide-939-cao-bang-2025.xlsx")

    assert parsed.errors == []
    assert parsed.unit_id == cao_bang.pk and expected["unit"] == cao_bang.code
    assert parsed.program_code == expected["program"]
    assert parsed.period is not None and parsed.period.label == expected["period"]
    assert len(parsed.results) == expected["results_new"]
    assert len(parsed.targets) == expected["targets_new"]
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for cell in parsed.results:
        totals[cell.indicator_id] += cell.value or 0
    from indicators.models import Indicator

    codes = dict(Indicator.objects.values_list("pk", "code"))
    assert {codes[pk]: int(total) for pk, total in totals.items()} == expected["thuc_hien_totals"]
    assert parsed.warnings == []
