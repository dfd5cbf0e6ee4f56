"""Times, on the demo data, what the entry form and the engine promise stays fast (run on demand:
`make bench-entry`).

- a commune's entry form: load (GET) and save (POST of every field), through the test client;
- a province aggregate (one indicator, the whole phase) by the engine, and the same figure
  computed the naive way (every unit of the subtree, one query per unit), as a baseline.
Uses BENCH_DATABASE_URL (default: a PostgreSQL database "hoilhpn_demo_bench"), loading the
demo there first if it is empty. Prints p50/p95 in milliseconds.
"""

from __future__ import annotations

import datetime
import functools
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hoilhpn_demo_bench"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# As in production (docker-compose.yml): without persistent connections every request pays a
# new PostgreSQL connection, which here costs about 100 ms.
os.environ.setdefault("CONN_MAX_AGE", "60")

import django
import psycopg


def ensure_database() -> None:
    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[
        min(len(samples) - 1, round(0.95 * (len(samples) - 1)))
    ]


def report(label: str, fn: Callable[[], object], runs: int) -> None:
    p50, p95 = timed(fn, runs)
    print(f"{label:<46} p50 {p50:8.1f}  p95 {p95:8.1f} ms  ({runs} runs)")


def bench_form(month: datetime.date) -> None:
    from django.test import Client

    client = Client()
    client.login(username="xa.khanhhoa", password="demo-xa.khanhhoa")
    url = client.get(f"/nhap-lieu/?program=CTH&month={month:%Y-%m}")["Location"]
    html = client.get(url).content.decode().replace("\n", " ")
    inputs = re.findall(r'<input type="text"[^>]*?name="([^"]+)" value="([^"]*)"', html)
    fields = dict(inputs)
    report("entry form load (GET)", lambda: client.get(url), 20)
    report(f"entry form save (POST, {len(fields)} fields)", lambda: client.post(url, fields), 20)


def bench_aggregates(month: datetime.date) -> None:
    from indicators.figures import engine
    from indicators.models import Indicator, Result
    from members.models import Level, Unit

    province = Unit.objects.get(level=Level.PROVINCE, code="56")
    for code in ("H-01", "H-05", "H-09", "H-06"):
        indicator = Indicator.objects.select_related("program", "source").get(code=code)
        first = datetime.date(indicator.program.start_year, 1, 1)
        label = f"province aggregate {code} ({indicator.rule}, phase)"
        report(label, functools.partial(engine.figure, indicator, province, first, month), 20)

    h01 = Indicator.objects.select_related("program").get(code="H-01")
    first = datetime.date(h01.program.start_year, 1, 1)

    def naive() -> Decimal:
        total = Decimal(0)
        for unit in Unit.objects.subtree(province):
            rows = Result.objects.filter(unit=unit, indicator=h01, month__range=(first, month))
            total += sum((r.value or 0 for r in rows), Decimal(0))
        return total

    assert naive() == engine.figure(h01, province, first, month).value, "naive != engine"
    report("province aggregate H-01 naive (query per unit)", naive, 3)


def main() -> None:
    ensure_database()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from common.periods import previous_month
    from demo.services import load_demo
    from indicators.models import Result
    from members.models import Unit

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if not Result.objects.exists():
        started = time.perf_counter()
        load_demo()
        print(f"demo loaded in {time.perf_counter() - started:.1f} s")
    print(f"results: {Result.objects.count():,} rows, units: {Unit.objects.count():,}")
    month = previous_month()
    bench_form(month)
    bench_aggregates(month)


if __name__ == "__main__":
    main()
