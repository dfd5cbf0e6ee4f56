"""Benchmark of a legacy import (run on demand: `make bench-import`).

In its own PostgreSQL database (BENCH_DATABASE_URL, default "hoilhpn_import_bench"): the
national-shaped tree of bench.national (34 provinces, 3,321 communes, no branches), then a
100,000-row long file (.xlsx: every commune x the six entered DA939 indicators x 5 months of
2025), and times:
- ours: read + plan (the preview), commit (bulk writes, history, month totals, timelines), and
  the same file again (preview + commit, which must write nothing), and a copy with every
  value changed (preview + commit of 100,000 updates);
- a plain django-import-export ModelResource with default settings (only `import_id_fields`
  set to the natural key, so that it updates rather than duplicates) on a 10,000-row slice of
  the same file, dry run and real run, extrapolated to 100,000 rows: at ~200 rows/s the whole
  file would take minutes per run.
Prints seconds and rows per second.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hoilhpn_import_bench"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django
import psycopg

COMMUNES, MONTHS, SLICE = 3321, 5, 10_000
LAST = datetime.date(2025, 6, 1)


def ensure_database() -> None:
    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def timed(label: str, rows: int, work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print(f"{label:<58} {seconds:8.2f} s  {rows / seconds:9,.0f} rows/s", flush=True)
    return seconds, result


def clear_results() -> None:
    from django.db import connection

    from bench.national import PREFIX
    from indicators.models import MonthTotal, Result, Submission, SubmissionEvent

    units = "SELECT id FROM members_unit WHERE code LIKE %s AND is_demo"
    with connection.cursor() as cursor:
        for model in (MonthTotal, Result, Result.history.model):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE unit_id IN ({units})", [f"{PREFIX}%"]
            )
    SubmissionEvent.objects.all().delete()
    Submission.objects.all().delete()


def rows_of_file() -> list[list[object]]:
    from bench.national import PREFIX
    from common.periods import add_months
    from indicators.models import Indicator
    from members.models import Level, Unit

    communes = Unit.objects.filter(code__startswith=PREFIX, level=Level.COMMUNE, is_demo=True)
    indicators = Indicator.objects.filter(program__code="DA939", level="commune").exclude(
        rule="coverage"
    )
    rows: list[list[object]] = []
    for unit_code in communes.order_by("code").values_list("code", flat=True):
        for indicator in indicators:
            for m in range(MONTHS):
                month = f"{add_months(LAST, -m):%Y-%m}"
                if indicator.rule == "rate":
                    rows.append([unit_code, indicator.code, month, None, 3 + m, 10])
                else:
                    rows.append([unit_code, indicator.code, month, 1 + m, None, None])
    return rows


def write_xlsx(rows: list[list[object]], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["unit_code", "indicator_code", "month", "value", "numerator", "denominator"])
    for row in rows:
        sheet.append(row)
    book.save(path)


def changed_copy(rows: list[list[object]], path: Path) -> Path:
    """The same file with every figure one higher: every row is a change."""

    def bump(number: object) -> object:
        return number + 1 if isinstance(number, int) else number

    bumped = [[u, c, m, bump(v), bump(n), d] for u, c, m, v, n, d in rows]
    target = path.with_name("ket-qua-100k-sua.xlsx")
    write_xlsx(bumped, target)
    return target


def ours(path: Path, rows: int, changed: Path) -> None:
    from imports import safety, services
    from imports.readers import read_file

    def preview() -> services.Plan:
        safety.check_file(path)
        return services.plan(read_file(path))

    _s, parsed = timed("read only (python-calamine + row checks)", rows, lambda: read_file(path))
    assert not parsed.errors, parsed.errors[:5]
    _s, plan = timed("ours: preview (safety + read + plan)", rows, preview)
    assert plan.counts["results"]["new"] == rows, plan.counts
    timed("ours: commit (bulk + history + totals + timeline)", rows,
          lambda: services.commit(plan, user=None))  # fmt: skip
    _s, again = timed("ours: re-import preview (all unchanged)", rows, preview)
    assert again.counts["results"]["unchanged"] == rows, again.counts
    timed("ours: re-import commit (writes nothing)", rows,
          lambda: services.commit(again, user=None))  # fmt: skip
    path = changed
    _s, edits = timed("ours: preview of the file with every value changed", rows, preview)
    assert edits.counts["results"]["changed"] == rows, edits.counts
    timed("ours: commit of 100% changed values (UPDATE + history)", rows,
          lambda: services.commit(edits, user=None))  # fmt: skip


def plain_resource() -> Any:
    from import_export import fields, resources, widgets

    from indicators.models import Indicator, Result
    from members.models import Unit

    class PlainResultResource(resources.ModelResource):
        unit = fields.Field("unit", "unit_code", widgets.ForeignKeyWidget(Unit, "code"))
        indicator = fields.Field(
            "indicator", "indicator_code", widgets.ForeignKeyWidget(Indicator, "code")
        )

        class Meta:
            model = Result
            fields = ("unit", "indicator", "month", "value", "numerator", "denominator")
            import_id_fields = ("unit", "indicator", "month")

    return PlainResultResource()


def dataset(rows: list[list[object]], day: str = "") -> Any:
    import tablib  # type: ignore[import-untyped]

    data = tablib.Dataset(headers=["unit_code", "indicator_code", "month", "value",
                                   "numerator", "denominator"])  # fmt: skip
    for unit_code, code, month, *numbers in rows:
        data.append([unit_code, code, f"{month}{day}", *numbers])
    return data


def tuned(rows: list[list[object]]) -> None:
    """The admin's ResultResource (use_bulk, skip_diff, cached lookups, rows validated
    first) on the whole file: what the admin's upload -> dry run -> confirm costs."""
    from indicators.resources import ResultResource

    data = dataset(rows)
    for label, dry in (("dry run", True), ("confirm", False)):

        def run(dry: bool = dry) -> Any:
            return ResultResource().import_data(data, dry_run=dry)

        _s, result = timed(f"admin's tuned ResultResource, {label}", len(rows), run)
        assert not result.has_errors() and not result.has_validation_errors()


def form_path(path: Path, rows: int) -> None:
    """The row-by-row strategy of `record_results` (the ORM's, which a form's save uses) forced
    on a 10,000-row slice of the planned file: why a large write goes by COPY instead."""
    from unittest import mock

    from imports import services
    from imports.readers import read_file
    from indicators.cycle import recording

    plan = services.plan(read_file(path))
    entries = plan.new[:SLICE]
    with mock.patch.object(recording, "COPY_FROM", SLICE):
        seconds, _r = timed(f"record_results row by row, {SLICE:,} rows", SLICE,
                            lambda: recording.record_results(entries, source="import"))  # fmt: skip
    print(f"{'':<58} -> {seconds * rows / SLICE:8.1f} s for {rows:,} rows", flush=True)


def plain(rows: list[list[object]]) -> None:
    data = dataset(rows[:SLICE], day="-01")
    for label, dry in (("dry run (the admin's preview)", True), ("real run (its confirm)", False)):

        def run(dry: bool = dry) -> Any:
            return plain_resource().import_data(data, dry_run=dry)

        seconds, result = timed(f"plain import-export, {SLICE:,} rows, {label}", SLICE, run)
        assert not result.has_errors(), result.row_errors()[:3]
        print(f"{'':<58} -> {seconds * len(rows) / SLICE:8.1f} s for {len(rows):,} rows")


def main() -> None:
    ensure_database()
    django.setup()
    from django.core.management import call_command

    from bench import national

    call_command("migrate", verbosity=0)
    if national.existing(LAST) is None or "--rebuild" in sys.argv:
        print("building the national tree (3,321 communes) ...", flush=True)
        national.build(COMMUNES, 0, 0, LAST)
    clear_results()
    rows = rows_of_file()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ket-qua-100k.xlsx"
        timed("write the .xlsx file (openpyxl write_only; not the import)", len(rows),
              lambda: write_xlsx(rows, path))  # fmt: skip
        print(f"file: {len(rows):,} rows, {path.stat().st_size / 2**20:.1f} MB", flush=True)
        ours(path, len(rows), changed_copy(rows, path))
        clear_results()
        form_path(path, len(rows))
    clear_results()
    tuned(rows)
    clear_results()
    plain(rows)
    clear_results()


if __name__ == "__main__":
    main()
