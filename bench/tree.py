"""Benchmark of the Union tree at national scale (run on demand: `make bench-tree`).

Builds, in its own PostgreSQL database, 34 provinces x ~98 communes (3,321) x 30 branches
(~100,000) with the portal's bulk loader, then times "every unit under a province" three ways:
- path prefix (what the portal does: one indexed query);
- level by level (one `parent_id IN (...)` query per level, the usual hand-written loop);
- naive recursion (one query per unit, what a template walking `unit.children` does).
Prints p50/p95 in milliseconds.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hoilhpn_bench"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django
import psycopg

PROVINCES, COMMUNES, BRANCHES = 34, 3321, 30


def ensure_database() -> None:
    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def build() -> float:
    from members.models import Level, Unit
    from members.services import get_or_create_central, insert_units

    if Unit.objects.filter(level=Level.BRANCH).count() >= COMMUNES * BRANCHES:
        return 0.0
    from django.db import connection

    with connection.cursor() as cursor:  # a partial tree from an interrupted run
        cursor.execute("TRUNCATE members_unit CASCADE")
    started = time.perf_counter()
    central = get_or_create_central()
    provinces = insert_units(
        [
            Unit(level=Level.PROVINCE, code=f"{p:02d}", name=f"Tỉnh {p}", parent=central)
            for p in range(1, PROVINCES + 1)
        ]
    )
    communes = insert_units(
        [
            Unit(
                level=Level.COMMUNE,
                code=f"{c:05d}",
                name=f"Xã {c}",
                parent=provinces[c % PROVINCES],
            )
            for c in range(1, COMMUNES + 1)
        ]
    )
    insert_units(
        [
            Unit(level=Level.BRANCH, code=f"{c.code}-{b:02d}", name=f"Chi hội {b}", parent=c)
            for c in communes
            for b in range(1, BRANCHES + 1)
        ]
    )
    return time.perf_counter() - started


def timed(fn: Callable[[], int], runs: int) -> tuple[float, float, int]:
    samples, result = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, result


def main() -> None:
    ensure_database()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from members.models import Level, Unit

    seconds = build()
    total = Unit.objects.count()
    print(f"units: {total:,} (bulk load {seconds:.1f} s; 0 = already built)")
    province = Unit.objects.filter(level=Level.PROVINCE).order_by("code").first()
    assert province is not None

    def by_path() -> int:
        return len(list(Unit.objects.subtree(province).values_list("pk", flat=True)))

    def by_level() -> int:
        found, frontier = [province.pk], [province.pk]
        while frontier:
            frontier = list(
                Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            found += frontier
        return len(found)

    def by_recursion() -> int:
        def walk(unit_id: int) -> int:
            children = Unit.objects.filter(parent_id=unit_id).values_list("pk", flat=True)
            return 1 + sum(walk(child) for child in children)

        return walk(province.pk)

    print(f"subtree of one province ({by_path():,} units), ms:")
    for name, fn, runs in [
        ("path prefix (portal)", by_path, 30),
        ("level by level", by_level, 30),
        ("naive recursion", by_recursion, 5),
    ]:
        p50, p95, n = timed(fn, runs)
        print(f"  {name:<22} p50 {p50:8.1f}  p95 {p95:8.1f}  ({n:,} units, {runs} runs)")
    p50, p95, n = timed(lambda: Unit.objects.subtree(province).at_level(Level.COMMUNE).count(), 30)
    print(f"  communes of a province (count)  p50 {p50:.1f}  p95 {p95:.1f}  ({n} communes)")


if __name__ == "__main__":
    main()
