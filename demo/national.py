"""A synthetic national-shaped dataset for the benchmark (`manage.py bench`), on PostgreSQL.

34 provinces, their communes and 10 branches per commune through the portal's bulk unit loader;
then every reporting unit reports every indicator of the catalogue, every month of the
program's phase in the window, generated inside PostgreSQL (INSERT ... SELECT over
generate_series: millions of rows in seconds, no row-by-row ORM saves), and the month totals
rebuilt. Values are small deterministic integers that pass the form's checks (a breakdown is
below its total, a numerator below its denominator), so a bench save is a real save.

Everything it makes is marked: units are `is_demo` under codes starting with "B", so `reset`
removes the bench data and nothing else's.
"""

from __future__ import annotations

import datetime
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from accounts.models import Role, User
from accounts.services import assign, ensure_user
from common.periods import add_months
from indicators.catalogue.services import DEFAULT_CATALOG_DIR, load_catalog
from indicators.figures import totals
from indicators.models import Indicator, MonthTotal, Result, Submission, Target
from members.models import Level, Unit
from members.services import get_or_create_central, insert_units

PROVINCES = 34
PREFIX = "B"


@dataclass
class National:
    provinces: int
    communes: int
    branches: int
    results: int
    totals: int
    first: datetime.date
    last: datetime.date


def _bench_units() -> list[int]:
    return list(
        Unit.objects.filter(code__startswith=PREFIX, is_demo=True).values_list("pk", flat=True)
    )


@transaction.atomic
def reset() -> None:
    """Removes what an earlier bench run made (its units and everything on them). Rows go by
    plain SQL: the ORM's delete() would load millions of results to write their history."""
    ids = _bench_units()
    units = f"SELECT id FROM {Unit._meta.db_table} WHERE code LIKE %s AND is_demo"
    with connection.cursor() as cursor:
        for model in (MonthTotal, Result, Result.history.model, Target):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE unit_id IN ({units})", [f"{PREFIX}%"]
            )
    Submission.objects.filter(unit__in=ids).delete()
    User.objects.filter(username__startswith="bench.").delete()
    for level in (Level.BRANCH, Level.COMMUNE, Level.PROVINCE):
        Unit.objects.filter(pk__in=ids, level=level).delete()


def _units(communes: int, branches: int) -> tuple[list[Unit], list[Unit]]:
    central = get_or_create_central()
    provinces = insert_units(
        [
            Unit(level=Level.PROVINCE, code=f"{PREFIX}{p:02d}", name=f"Tỉnh Thử nghiệm {p:02d}",
                 parent=central, is_demo=True)
            for p in range(1, PROVINCES + 1)
        ]
    )  # fmt: skip
    made = insert_units(
        [
            Unit(level=Level.COMMUNE, code=f"{PREFIX}{c:05d}", name=f"Xã Thử nghiệm {c:05d}",
                 parent=provinces[(c - 1) % PROVINCES], is_demo=True)
            for c in range(1, communes + 1)
        ]
    )  # fmt: skip
    insert_units(
        [
            Unit(level=Level.BRANCH, code=f"{c.code}-{b:02d}", name=f"Chi hội {b:02d}",
                 parent=c, is_demo=True)
            for c in made
            for b in range(1, branches + 1)
        ]
    )  # fmt: skip
    return provinces, made


# Values by unit, indicator and month: totals 3..12, breakdowns 0..2, rates k/10 with k <= 9.
_RESULTS = """
INSERT INTO {results} (unit_id, indicator_id, month, value, numerator, denominator, updated_at)
SELECT u.id, i.id, m.month::date,
       CASE WHEN i.rule = 'rate' THEN NULL
            WHEN i.part_of_id IS NOT NULL THEN (u.id + i.id + EXTRACT(MONTH FROM m.month)) %% 3
            ELSE 3 + (u.id * 7 + i.id * 13 + EXTRACT(MONTH FROM m.month)) %% 10 END,
       CASE WHEN i.rule = 'rate' THEN (u.id + EXTRACT(MONTH FROM m.month)) %% 10 END,
       CASE WHEN i.rule = 'rate' THEN 10 END,
       now()
FROM {units} u
JOIN {indicators} i ON i.level = u.level AND i.rule <> 'coverage'
JOIN {programs} p ON p.id = i.program_id
CROSS JOIN generate_series(%s::date, %s::date, interval '1 month') AS m(month)
WHERE u.code LIKE %s AND u.is_demo
  AND EXTRACT(YEAR FROM m.month) BETWEEN p.start_year AND p.end_year
"""

_TARGETS = """
INSERT INTO {targets} (unit_id, indicator_id, period_end, value, note)
SELECT u.id, i.id, %s::date, CASE WHEN i.rule = 'rate' THEN 60 ELSE 90 END, 'bench'
FROM {units} u JOIN {indicators} i ON i.level = 'commune' AND i.rule IN ('sum', 'rate')
WHERE u.code LIKE %s AND u.is_demo AND u.level = 'commune'
"""


def _sql(template: str) -> str:
    from programs.models import Program

    return template.format(
        results=Result._meta.db_table,
        units=Unit._meta.db_table,
        indicators=Indicator._meta.db_table,
        programs=Program._meta.db_table,
        targets=Target._meta.db_table,
    )


def _people(province: Unit, commune: Unit) -> dict[str, User]:
    plan = {
        "bench.tw": (get_or_create_central(), Role.VIEWER),
        "bench.tinh": (province, Role.REVIEWER),
        "bench.xa": (commune, Role.ENTRY),
    }
    people = {}
    for username, (unit, role) in plan.items():
        people[username] = ensure_user(username, password="bench-" + username)
        assign(people[username], unit, role)
    return people


def _load_programs_and_indicators() -> None:
    """The catalogue without its targets, which name the real provinces (not loaded here)."""
    with tempfile.TemporaryDirectory() as folder:
        for name in ("programs.csv", "indicators.csv"):
            shutil.copy(DEFAULT_CATALOG_DIR / name, Path(folder) / name)
        load_catalog(Path(folder))


def existing(last: datetime.date) -> National | None:
    """The dataset an earlier run left, if any (to time it again without rebuilding)."""
    bench = Unit.objects.filter(code__startswith=PREFIX, is_demo=True)
    communes = bench.filter(level=Level.COMMUNE).count()
    if not communes:
        return None
    results = Result.objects.filter(unit__in=bench.values("pk"))
    first = results.order_by("month").values_list("month", flat=True).first() or last
    return National(
        PROVINCES, communes, bench.filter(level=Level.BRANCH).count(), results.count(),
        MonthTotal.objects.count(), first, last,
    )  # fmt: skip


def build(communes: int, months: int, branches: int, last: datetime.date) -> National:
    _load_programs_and_indicators()
    reset()
    provinces, made = _units(communes, branches)
    first = add_months(last, 1 - months)
    with connection.cursor() as cursor:
        cursor.execute(_sql(_RESULTS), [first, last, f"{PREFIX}%"])
        results = cursor.rowcount
        cursor.execute(_sql(_TARGETS), [datetime.date(last.year, 12, 31), f"{PREFIX}%"])
        cursor.execute("ANALYZE")
    kept = totals.rebuild()
    with connection.cursor() as cursor:
        # VACUUM too: index-only scans (the national reads) need a fresh visibility map, which
        # autovacuum would build only some minutes after a bulk load.
        cursor.execute("VACUUM ANALYZE")
    _people(provinces[0], made[0])
    return National(PROVINCES, len(made), len(made) * branches, results, kept, first, last)
