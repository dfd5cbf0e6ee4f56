"""The benchmark's national dataset (`manage.py bench`) on both maps of the 2025 reform, on
PostgreSQL.

Units are the real ones of the `vietnam-provinces` package, read through members.gazetteer and
laid out as `load_units` lays them out: the 34 provinces of the new map with their 3,321
communes (from 2025-07-01), the 63 provinces, 696 districts and 10,051 communes of the old map
(to 2025-06-30; a province that continues under its code holds its old districts, a province
merged into another stays a unit of its own), and the package's commune merger links as
`UnitSuccession`s. Branches are synthetic, `branches` under every commune of either map, living
as long as their commune. Every unit reports every indicator of the catalogue for the months of
the program's phase in the window during which it existed, generated inside PostgreSQL (INSERT
... SELECT over generate_series: millions of rows in seconds, no row-by-row ORM saves): the old
map's units before 2025-07, the new map's after. Then the month and coverage totals are rebuilt.
Values are small deterministic integers that pass the form's checks (a breakdown is below its
total, a numerator below its denominator), so a bench save is a real save.

Everything it makes is marked: units are `is_demo` under their real code prefixed with "B"
("B56", "B22333"), so the real units of the same provinces can sit in the same database and
`reset` removes the bench data and nothing else's.
"""

from __future__ import annotations

import datetime
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from vietnam_provinces import Province

from accounts.models import Role, User
from accounts.services import assign, ensure_user
from common.periods import add_months
from indicators.catalogue.services import DEFAULT_CATALOG_DIR, load_catalog
from indicators.figures import totals
from indicators.figures.coverage import CoverageTotal
from indicators.models import Indicator, MonthTotal, Result, Submission, Target
from members import gazetteer
from members.models import Level, Unit, UnitSuccession
from members.services import get_or_create_central, insert_units

PREFIX = "B"
# The province the province-level timings read: one merged in 2025 (Khánh Hòa + Ninh Thuận).
TIMED_PROVINCE = "56"
# The most communes a run takes by default: every commune of the new map.
ALL_COMMUNES = 3321


@dataclass
class National:
    provinces: int  # on the new map
    communes: int  # on the new map
    legacy_provinces: int
    legacy_districts: int
    legacy_communes: int
    successions: int
    branches: int  # on both maps
    results: int
    results_before_reform: int
    totals: int
    first: datetime.date
    last: datetime.date
    # Seconds each step of the build took (reset, units, results, totals, vacuum).
    seconds: dict[str, float] = field(default_factory=dict)


def _bench() -> str:
    return f"SELECT id FROM {Unit._meta.db_table} WHERE code LIKE %s AND is_demo"


def _bench_units() -> list[int]:
    return list(
        Unit.objects.filter(code__startswith=PREFIX, is_demo=True).values_list("pk", flat=True)
    )


@transaction.atomic
def reset() -> None:
    """Removes what an earlier bench run made (its units and everything on them). Rows go by
    plain SQL: the ORM's delete() would load millions of results to write their history."""
    ids = _bench_units()
    units = _bench()
    with connection.cursor() as cursor:
        for model in (MonthTotal, CoverageTotal, Result, Result.history.model, Target):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE unit_id IN ({units})", [f"{PREFIX}%"]
            )
        cursor.execute(
            f"DELETE FROM {UnitSuccession._meta.db_table} WHERE predecessor_id IN ({units})"
            f" OR successor_id IN ({units})",
            [f"{PREFIX}%", f"{PREFIX}%"],
        )
    Submission.objects.filter(unit__in=ids).delete()
    User.objects.filter(username__startswith="bench.").delete()
    for level in (Level.BRANCH, Level.COMMUNE, Level.DISTRICT, Level.PROVINCE):
        Unit.objects.filter(pk__in=ids, level=level).delete()


def provinces_in_order() -> list[str]:
    """The new map's province codes, the timed (merged) province first, then by code."""
    codes = sorted(gazetteer.province_code(p.code.value) for p in Province.iter_all())
    return [TIMED_PROVINCE, *(c for c in codes if c != TIMED_PROVINCE)]


def choose_provinces(communes: int) -> list[gazetteer.ProvinceSpec]:
    """Whole provinces in `provinces_in_order`, until they hold at least `communes` communes
    of the new map: a province is never cut, so every merger link stays whole."""
    chosen: list[gazetteer.ProvinceSpec] = []
    held = 0
    for code in provinces_in_order():
        if chosen and held >= communes:
            break
        spec = gazetteer.read_province(code)
        chosen.append(spec)
        held += len(spec.current.children)
    return chosen


def _unit(spec: gazetteer.UnitSpec, parent: Unit) -> Unit:
    return Unit(
        level=spec.level, code=PREFIX + spec.code, name=spec.name, short_name=spec.short_name,
        parent=parent, valid_from=spec.valid_from, valid_to=spec.valid_to, is_demo=True,
    )  # fmt: skip


def _units(specs: Sequence[gazetteer.ProvinceSpec], branches: int) -> tuple[list[Unit], int]:
    """The provinces' units on both maps as `load_units` lays them out, their branches and
    merger links; returns the new map's provinces and the number of links.

    An old province is made once even when the package lists it among the sources of two new
    provinces (Tiền Giang: most of it went to Đồng Tháp, which took its code, a part to Tây
    Ninh): under the new province that continues its code, else as a province of its own."""
    central = get_or_create_central()
    current = {spec.current.code: _unit(spec.current, central) for spec in specs}
    legacy = {lp.code: lp for spec in specs for lp in spec.legacy}
    separate = {code: _unit(lp, central) for code, lp in legacy.items() if code not in current}
    insert_units([*current.values(), *separate.values()])
    # Children of a new province: its new communes and, when it continues an old province's
    # code, that province's old districts; a province of its own keeps its own districts.
    middle = [
        (c, _unit(c, current[spec.current.code])) for spec in specs for c in spec.current.children
    ]
    middle += [
        (d, _unit(d, current[code] if code in current else separate[code]))
        for code, lp in legacy.items()
        for d in lp.children
    ]
    insert_units([unit for _spec, unit in middle])
    old_communes = [_unit(c, district) for d, district in middle for c in d.children]
    insert_units(old_communes)
    communes = [u for _s, u in middle if u.level == Level.COMMUNE] + old_communes
    insert_units(
        [
            Unit(level=Level.BRANCH, code=f"{c.code}-{b:02d}", name=f"Chi hội {b:02d}",
                 parent=c, valid_from=c.valid_from, valid_to=c.valid_to, is_demo=True)
            for c in communes
            for b in range(1, branches + 1)
        ]
    )  # fmt: skip
    old = {u.code: u for u in old_communes}
    new = {u.code: u for _s, u in middle if u.level == Level.COMMUNE}
    pairs = {
        (PREFIX + before, PREFIX + after) for spec in specs for before, after in spec.successions
    }
    links = [
        UnitSuccession(
            predecessor=old[before], successor=new[after], effective_on=gazetteer.REFORM_DATE
        )
        for before, after in sorted(pairs)
        if before in old and after in new
    ]
    UnitSuccession.objects.bulk_create(links, batch_size=5000)
    return [current[spec.current.code] for spec in specs], len(links)


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
  AND (u.valid_from IS NULL OR u.valid_from <= m.month)
  AND (u.valid_to IS NULL OR u.valid_to >= m.month)
"""

_TARGETS = """
INSERT INTO {targets} (unit_id, indicator_id, period_end, value, note)
SELECT u.id, i.id, %s::date, CASE WHEN i.rule = 'rate' THEN 60 ELSE 90 END, 'bench'
FROM {units} u JOIN {indicators} i ON i.level = 'commune' AND i.rule IN ('sum', 'rate')
WHERE u.code LIKE %s AND u.is_demo AND u.level = 'commune'
  AND (u.valid_from IS NULL OR u.valid_from <= %s::date)
  AND (u.valid_to IS NULL OR u.valid_to >= %s::date)
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


def _drop_for_load(cursor: CursorWrapper, table: str) -> list[str]:
    """Drops the table's foreign keys and the indexes that back no constraint, and returns the
    statements that make them again.

    PostgreSQL's own advice for populating a table ("Populating a Database"): building an
    index once over millions of rows, and checking a foreign key with one join, are several
    times faster than keeping the indexes up to date and firing a check row by row. The load
    runs between this and the re-creation in one transaction (PostgreSQL's DDL is
    transactional: a failed load leaves every index and constraint in place), and a re-added
    foreign key checks every row."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        " AND tablename = %s AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    keys = cursor.fetchall()
    # Pending checks of earlier writes in the transaction (the tests') would block the DDL.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Names and definitions are read from the catalogue, never user text.
    for name, _definition in keys:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in indexes] + [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}' for name, definition in keys
    ]


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


def timed_province() -> Unit:
    """The bench's unit of the timed province (on the new map)."""
    return Unit.objects.get(level=Level.PROVINCE, code=PREFIX + TIMED_PROVINCE, is_demo=True)


def merged_into(province: Unit) -> list[Unit]:
    """The old provinces that the package says merged into this bench province, besides the
    one that continues under its code (whose old districts are already below it)."""
    spec = gazetteer.read_province(province.code.removeprefix(PREFIX))
    codes = [PREFIX + lp.code for lp in spec.legacy if lp.code != spec.current.code]
    return list(Unit.objects.filter(level=Level.PROVINCE, code__in=codes, is_demo=True))


def existing(last: datetime.date) -> National | None:
    """The dataset an earlier run left, if any (to time it again without rebuilding)."""
    bench = Unit.objects.filter(code__startswith=PREFIX, is_demo=True)
    new, old = bench.filter(valid_to__isnull=True), bench.filter(valid_to__isnull=False)
    communes = new.filter(level=Level.COMMUNE).count()
    if not communes:
        return None
    results = Result.objects.filter(unit__in=bench.values("pk"))
    first = results.order_by("month").values_list("month", flat=True).first() or last
    return National(
        provinces=new.filter(level=Level.PROVINCE).count(),
        communes=communes,
        legacy_provinces=old.filter(level=Level.PROVINCE).count()
        + new.filter(level=Level.PROVINCE, children__valid_to__isnull=False).distinct().count(),
        legacy_districts=old.filter(level=Level.DISTRICT).count(),
        legacy_communes=old.filter(level=Level.COMMUNE).count(),
        successions=UnitSuccession.objects.filter(successor__in=bench.values("pk")).count(),
        branches=bench.filter(level=Level.BRANCH).count(),
        results=results.count(),
        results_before_reform=results.filter(month__lt=gazetteer.REFORM_DATE).count(),
        totals=MonthTotal.objects.count(),
        first=first,
        last=last,
    )


def _windows(
    first: datetime.date, last: datetime.date
) -> Iterable[tuple[datetime.date, datetime.date]]:
    """The window split at the reform: the old map's months, then the new map's."""
    june = add_months(gazetteer.REFORM_DATE, -1)
    if first <= june:
        yield first, min(last, june)
    if last >= gazetteer.REFORM_DATE:
        yield max(first, gazetteer.REFORM_DATE), last


def build(
    communes: int, months: int, branches: int, last: datetime.date,
    provinces: Sequence[str] | None = None,
) -> National:  # fmt: skip
    """Builds the dataset: whole provinces of the new map holding at least `communes` communes
    (or the named `provinces`, codes or names) with their old-map sources, `branches` branches
    a commune, results for the `months` months ending at `last`."""
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        seconds[step] = round(time.perf_counter() - clock, 1)
        clock = time.perf_counter()

    _load_programs_and_indicators()
    reset()
    lap("reset")
    if provinces is not None:
        specs = [gazetteer.read_province(p) for p in provinces]
    else:
        specs = choose_provinces(communes)
    made, links = _units(specs, branches)
    lap("units")
    legacy = {lp.code: lp for spec in specs for lp in spec.legacy}
    first = add_months(last, 1 - months)
    counts = []
    with transaction.atomic(), connection.cursor() as cursor:
        remake = _drop_for_load(cursor, Result._meta.db_table)
        for start, end in _windows(first, last):
            cursor.execute(_sql(_RESULTS), [start, end, f"{PREFIX}%"])
            counts.append((start, cursor.rowcount))
        for statement in remake:
            cursor.execute(statement)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    with connection.cursor() as cursor:
        year_end = datetime.date(last.year, 12, 31)
        cursor.execute(_sql(_TARGETS), [year_end, f"{PREFIX}%", year_end, year_end])
        cursor.execute("ANALYZE")
    lap("results")
    kept = totals.rebuild()
    lap("totals")
    if not connection.in_atomic_block:  # VACUUM cannot run in a transaction (the tests')
        with connection.cursor() as cursor:
            # VACUUM too: index-only scans (the national reads) need a fresh visibility map,
            # which autovacuum would build only some minutes after a bulk load.
            cursor.execute("VACUUM ANALYZE")
    lap("vacuum")
    commune = (
        Unit.objects.filter(parent=made[0], level=Level.COMMUNE, valid_to__isnull=True)
        .order_by("code")
        .first()
    )
    assert commune is not None
    _people(made[0], commune)
    return National(
        provinces=len(specs),
        communes=sum(len(s.current.children) for s in specs),
        legacy_provinces=len(legacy),
        legacy_districts=sum(len(lp.children) for lp in legacy.values()),
        legacy_communes=sum(len(d.children) for lp in legacy.values() for d in lp.children),
        successions=links,
        branches=Unit.objects.filter(code__startswith=PREFIX, level=Level.BRANCH).count(),
        results=sum(n for _start, n in counts),
        results_before_reform=sum(n for start, n in counts if start < gazetteer.REFORM_DATE),
        totals=kept,
        first=first,
        last=last,
        seconds=seconds,
    )
