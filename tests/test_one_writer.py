"""One door for results: `indicators.cycle.recording.record_results` is the only writer of `Result`.

Two proofs. Each way a figure comes in (the month form, an activity, `load_results`, the legacy
import's commit, the admin's import) is run with the door shut, the service replaced by a stub:
the stub is called with the figures, and no result is written, so the caller writes nothing
itself. And a scan of the source finds no other module that creates, changes or deletes
results (ORM calls on `Result` or its reverse relations, simple_history's bulk helpers on it,
SQL writing its table), so a new way in that bypasses the service fails here. The two
strategies inside the service (ORM, COPY) write the same rows, history and totals.
"""

from __future__ import annotations

import ast
import datetime
import re
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import tablib
from django.core.management import call_command

from accounts.models import Role
from imports import safety, services
from imports.readers import read_file
from indicators.cycle import recording
from indicators.cycle.bulk import LoadedEntry
from indicators.cycle.entry import Entry, SaveSummary, save_month
from indicators.models import Indicator, MonthTotal, Result, Submission, SubmissionEvent
from indicators.resources import ResultResource
from programs.models import ActivityType, Program
from programs.services import save_activity
from tests import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
JUNE, OCT = datetime.date(2025, 6, 1), datetime.date(2025, 10, 1)
HEADER = "unit_code,indicator_code,month,value,numerator,denominator"

# Modules allowed to write results besides the service: seeders of generated datasets (the
# demo's, the benchmark's), which load rows with no history or timeline by design and
# rebuild the totals afterwards.
SEEDERS = {"demo/results.py", "bench/national.py"}
WRITES = {"create", "bulk_create", "bulk_update", "update", "delete", "get_or_create",
          "update_or_create", "save", "_raw_delete", "raw"}  # fmt: skip
HISTORY_HELPERS = {"bulk_create_with_history", "bulk_update_with_history"}
SQL_WRITE = re.compile(
    r"(INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY|TRUNCATE)\s+(\{results\}|\"?indicators_result\b)",
    re.IGNORECASE,
)


@pytest.fixture
def shut_door() -> Iterator[mock.MagicMock]:
    with mock.patch.object(recording, "record_results", return_value=SaveSummary()) as stub:
        yield stub


def _called(stub: mock.MagicMock, source: str) -> list[Entry]:
    stub.assert_called_once()
    assert stub.call_args.kwargs["source"] == source
    assert not Result.objects.exists() and not Result.history.exists()
    return list(stub.call_args.args[0])


def test_the_month_form_writes_through_the_service(khanh_hoa, catalog, shut_door) -> None:
    h01 = Indicator.objects.get(code="H-01")
    save_month(
        user=khanh_hoa.commune_officer, unit=khanh_hoa.ba_ngoi, program=h01.program, month=OCT,
        entries=[Entry(khanh_hoa.ba_ngoi, h01, OCT, value=Decimal(4))],
    )  # fmt: skip
    [entry] = _called(shut_door, "form")
    assert (entry.unit, entry.indicator, entry.value) == (khanh_hoa.ba_ngoi, h01, 4)


def test_an_activity_writes_its_figures_through_the_service(khanh_hoa, catalog, shut_door) -> None:
    save_activity(
        user=khanh_hoa.commune_officer,
        values={
            "program": Program.objects.get(code="DA939"), "unit": khanh_hoa.ba_ngoi,
            "type": ActivityType.objects.get(code="tap_huan"), "title": "Lớp tập huấn",
            "starts_on": datetime.date(2025, 10, 3), "ends_on": None, "participants": 40,
            "participants_women": 35, "participants_minority": 5, "participants_over35": 20,
        },
    )  # fmt: skip
    entries = _called(shut_door, "activities")
    assert ("939-06", 1) in {(e.indicator.code, e.value) for e in entries}


def test_load_results_writes_through_the_service(khanh_hoa, catalog, shut_door, tmp_path) -> None:
    path = tmp_path / "ket-qua.csv"
    path.write_text(f"{HEADER}\n22735,939-01,2025-06,7,,\n", encoding="utf-8")
    call_command("load_results", str(path), stdout=StringIO())
    [entry] = _called(shut_door, "import")
    assert (entry.unit, entry.month, entry.value) == (khanh_hoa.ba_ngoi, JUNE, 7)


def test_the_legacy_import_commits_through_the_service(
    khanh_hoa, catalog, shut_door, tmp_path
) -> None:
    path = tmp_path / "ket-qua.csv"
    path.write_text(f"{HEADER}\n22735,939-01,2025-06,7,,\n22333,939-01,2025-Q2,9,,\n", "utf-8")
    safety.check_file(path)
    services.commit(services.plan(read_file(path)), user=None)
    entries = _called(shut_door, "import")
    assert sorted((e.unit.code, e.value, getattr(e, "covers_months", 1)) for e in entries) == [
        ("22333", 9, 3),
        ("22735", 7, 1),
    ]
    assert shut_door.call_args.kwargs["checked"] is True  # the preview ran the entry rules


def test_the_admin_import_confirms_through_the_service(khanh_hoa, catalog, shut_door) -> None:
    data = tablib.Dataset(["22735", "939-01", "2025-06", "7", "", ""], headers=HEADER.split(","))
    importer = factories.AssignmentFactory(unit=khanh_hoa.province, role=Role.ADMIN).user
    result = ResultResource().import_data(data, dry_run=False, user=importer)
    assert not result.has_errors() and not result.has_validation_errors()
    [entry] = _called(shut_door, "import")
    assert (entry.unit, entry.month, entry.value) == (khanh_hoa.ba_ngoi, JUNE, 7)
    assert shut_door.call_args.kwargs["user"] == importer


def _receiver_names(node: ast.AST) -> set[str]:
    """The names and attributes a call's receiver is built from (Result.objects.filter(...))."""
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            found.add(sub.attr)
    return found


def result_writes(source: str) -> list[tuple[int, str]]:
    """The lines of `source` that write results other than through the service."""
    found = []
    for node in ast.walk(ast.parse(source)):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and SQL_WRITE.search(node.value):
            found.append((node.lineno, "SQL writing the results table"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "Result":
            found.append((node.lineno, "Result(...)"))
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in HISTORY_HELPERS and any(
            isinstance(a, ast.Name) and a.id == "Result" for a in node.args
        ):
            found.append((node.lineno, name))
        if isinstance(func, ast.Attribute) and func.attr in WRITES:
            names = _receiver_names(func.value)
            if "Result" in names or "results" in names:  # unit.results, indicator.results
                found.append((node.lineno, f"{func.attr}() on results"))
    return found


def _project_modules() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "tests", "var", "node_modules"} or "migrations" in parts:
            continue
        yield path


def test_no_module_but_the_service_writes_results() -> None:
    allowed = {"indicators/cycle/recording.py", *SEEDERS}
    offenders = {
        f"{rel}:{line} {what}"
        for path in _project_modules()
        if (rel := path.relative_to(ROOT).as_posix()) not in allowed
        for line, what in result_writes(path.read_text(encoding="utf-8"))
    }
    assert offenders == set()
    # The scan sees the service's own writes and the seeders', so it would see a fourth writer.
    assert result_writes((ROOT / "indicators/cycle/recording.py").read_text(encoding="utf-8"))
    for seeder in SEEDERS:
        assert result_writes((ROOT / seeder).read_text(encoding="utf-8")), seeder


@pytest.mark.parametrize(
    "code",
    [
        "Result.objects.create(unit=u, indicator=i, month=m)",
        "Result.objects.filter(unit=u).update(value=1)",
        "Result.objects.filter(unit=u).delete()",
        "unit.results.all().delete()",
        "Result(unit=u, indicator=i, month=m).save()",
        "bulk_create_with_history(rows, Result)",
        "cursor.execute('UPDATE indicators_result SET value = 1')",
        "cursor.execute(SQL.format(results=t))\nSQL = 'INSERT INTO {results} VALUES (1)'",
    ],
)
def test_the_scan_catches_a_write_that_bypasses_the_service(code: str) -> None:
    assert result_writes(code)


def test_reads_are_not_writes() -> None:
    assert not result_writes("Result.objects.filter(unit=u).values_list('value')")
    assert not result_writes("rows = Result.history.filter(id=1).order_by('-history_date')")


def _write_all(khanh_hoa: Any, *, copy: bool) -> list[tuple[Any, ...]]:
    """Two months of figures written, then changed and partly cleared, by one strategy; what
    is left: rows, history, month totals and the months' versions."""
    h01 = Indicator.objects.get(code="H-01")
    units = [khanh_hoa.ba_ngoi, khanh_hoa.nha_trang]
    months = [datetime.date(2025, 9, 1), OCT]
    first = [LoadedEntry(u, h01, m, Decimal(3), covers_months=1) for u in units for m in months]
    then = [Entry(u, h01, m, Decimal(5)) for u in units for m in months[1:]]
    then.append(Entry(khanh_hoa.ba_ngoi, h01, months[0]))  # cleared
    with mock.patch.object(recording, "COPY_FROM", 0 if copy else 10**6):
        recording.record_results(first, source="import", user=khanh_hoa.province_reviewer)
        summary = recording.record_results(then, user=khanh_hoa.commune_officer)
    assert (summary.created, summary.updated, summary.deleted) == (0, 2, 1)
    return [
        sorted(Result.objects.values_list("unit", "month", "value", "covers_months",
                                           "updated_by")),
        sorted(Result.history.values_list("unit", "month", "value", "history_type",
                                          "history_change_reason", "history_user")),
        sorted(MonthTotal.objects.values_list("unit", "month", "value", "units")),
        sorted(Submission.objects.values_list("unit", "month", "version", "state")),
        sorted(SubmissionEvent.objects.values_list("submission__unit", "action", "version")),
    ]  # fmt: skip


@pytest.mark.parametrize("copy", [False, True], ids=["orm", "copy"])
def test_both_strategies_keep_every_invariant(khanh_hoa, catalog, copy: bool) -> None:
    rows, history, month_totals, submissions, events = _write_all(khanh_hoa, copy=copy)
    ba_ngoi, nha_trang = khanh_hoa.ba_ngoi.pk, khanh_hoa.nha_trang.pk
    sep, officer = datetime.date(2025, 9, 1), khanh_hoa.commune_officer.pk
    reviewer = khanh_hoa.province_reviewer.pk
    assert rows == [
        (ba_ngoi, OCT, 5, 1, officer),
        (nha_trang, sep, 3, 1, reviewer),
        (nha_trang, OCT, 5, 1, officer),
    ]
    assert ("~", "form", officer) in {h[3:] for h in history}
    assert (ba_ngoi, sep, 3, "-", "form", officer) in history
    assert len([h for h in history if h[3] == "+" and h[4] == "import"]) == 4
    province = khanh_hoa.province.pk
    assert (province, OCT, 10, 2) in month_totals and (province, sep, 3, 1) in month_totals
    # A new version and a timeline line for each write of a month form.
    assert [s[:3] for s in submissions] == [
        (ba_ngoi, sep, 2), (ba_ngoi, OCT, 2), (nha_trang, sep, 1), (nha_trang, OCT, 2)
    ]  # fmt: skip
    assert len(events) == 7
