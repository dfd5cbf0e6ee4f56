"""The wide form goes to `imports.readers.wide` (built on its own branch): the sample of
../shared/legacy previews to the figures its expected.json gives, through read_file, the
planner and the command. While the reader is missing, the file gets a clear message."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from imports import services
from imports.readers import read_file
from indicators.models import Indicator
from members.models import Unit
from programs.models import Program

SAMPLES = Path("/work/shared/legacy")
SAMPLE = SAMPLES / "wide-939-cao-bang-2025.xlsx"
needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason="the shared samples are absent")


@needs_sample
def test_wide_file_without_its_reader_gets_a_message(db) -> None:
    with mock.patch.dict(sys.modules, {"imports.readers.wide": None}):
        parsed = read_file(SAMPLE)
    assert parsed.shape == "wide"
    assert [p.message for p in parsed.errors] == ["Biểu tổng hợp dạng bảng ngang: chưa hỗ trợ."]
    with (
        mock.patch.dict(sys.modules, {"imports.readers.wide": None}),
        pytest.raises(CommandError),
    ):
        call_command("import_results", str(SAMPLE), "--json", stdout=StringIO())


@needs_sample
@pytest.mark.django_db
def test_the_cao_bang_sample_previews_to_its_expected_figures(catalog) -> None:
    pytest.importorskip("imports.readers.wide")
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
