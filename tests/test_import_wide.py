"""The wide form goes to `imports.readers.wide`: the sample of ../shared/legacy (copied to
tests/data/legacy) previews to the figures its expected.json gives, through read_file, the
planner and the command."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from imports import services
from imports.readers import read_file
from indicators.models import Indicator
from members.models import Unit
from programs.models import Program

# A copy of ../shared/legacy (the sample and what a correct preview finds).
SAMPLES = Path(__file__).parent / "data" / "legacy"
SAMPLE = SAMPLES / "wide-939-cao-bang-2025.xlsx"


@pytest.mark.django_db
def test_the_cao_bang_sample_previews_to_its_expected_figures(catalog) -> None:
    call_command("load_units", "--province", "Cao Bằng", "--no-legacy", stdout=StringIO())
    expected = json.loads((SAMPLES / "expected.json").read_text())[SAMPLE.name]
    unit = Unit.objects.get(code=expected["unit"])
    program = Program.objects.get(code=expected["program"])
    plan = services.plan(read_file(SAMPLE, unit=unit, program=program))
    assert plan.errors == []
    assert plan.counts["results"]["new"] == expected["results_new"]
    assert plan.counts["targets"]["new"] == expected["targets_new"]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    codes = dict(Indicator.objects.values_list("pk", "code"))
    for cell in plan.parsed.results:
        totals[codes[cell.indicator_id]] += cell.value or 0
    assert totals == {k: Decimal(v) for k, v in expected["thuc_hien_totals"].items()}
