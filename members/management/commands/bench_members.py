import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from members import bench


class Command(BaseCommand):
    help = (
        "Bulk-loads N synthetic members (PostgreSQL) and reports name-search p50/p95 and "
        "count-query times. Run it on a database of its own."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=0, help="How many members to add.")
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--province",
            default=bench.BENCH_CODE,
            help="Code of the synthetic province to load into (the timed one is always "
            f"{bench.BENCH_CODE}); another code adds the rest of the country around it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_members needs PostgreSQL (set DATABASE_URL).")
        count = options["members"]
        started = time.perf_counter()
        province, branches = bench.bench_tree(count, options["province"])
        if count:
            bench.load_members(count, branches, seed=options["seed"])
            self.stdout.write(
                f"loaded {count:,} members into {len(branches):,} branches "
                f"in {time.perf_counter() - started:.0f} s"
            )
        members, memberships = bench.table_counts()
        self.stdout.write(f"table sizes: {members:,} members, {memberships:,} memberships")
        province = bench.bench_tree(0)[0]
        for timing in bench.run_timings(province):
            self.stdout.write(
                f"{timing.label:<58} n={len(timing.samples_ms):<4} "
                f"p50={timing.p50:8.1f} ms  p95={timing.p95:8.1f} ms"
            )
