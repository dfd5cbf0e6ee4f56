import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bench import members as bench


class Command(BaseCommand):
    help = (
        "Bulk-loads N synthetic members (PostgreSQL) and reports name-search p50/p95 and "
        "count-query times. Run it on a database of its own."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=0, help="How many members to add.")
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--rounds", type=int, default=1, help="How many times to run the timings."
        )
        parser.add_argument(
            "--figures",
            action="store_true",
            help="Time only the figures page (/hoi-vien/so-lieu/): monthly counts against the "
            "live count, for the timed province and the centre.",
        )
        parser.add_argument(
            "--province",
            action="append",
            help="Code of a synthetic province to load into, repeat for several (the members "
            f"are shared evenly); default {bench.BENCH_CODE}, the timed one. Other codes add "
            "the rest of the country around it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["members"]
        started = time.perf_counter()
        codes = options["province"] or [bench.BENCH_CODE]
        branches = []
        for code in codes:
            branches += bench.bench_tree(count // len(codes), code)[1]
        if count:
            bench.load_members(count, branches, seed=options["seed"], log=self.stdout.write)
            self.stdout.write(
                f"loaded {count:,} members into {len(branches):,} branches "
                f"in {time.perf_counter() - started:.0f} s"
            )
        members, memberships = bench.table_counts()
        self.stdout.write(f"table sizes: {members:,} members, {memberships:,} memberships")
        province = bench.bench_tree(0)[0]
        if options["figures"]:
            self.stdout.write(f"monthly count rows: {bench.month_count_rows():,}")
            for round_number in range(1, options["rounds"] + 1):
                self.stdout.write(
                    f"round {round_number}, load average {os.getloadavg()[0]:.1f} "
                    f"{os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}"
                )
                self._print(
                    bench.run_figure_timings(province, live_runs=3 if round_number == 1 else 0)
                )
            return
        if not options["rounds"]:
            return  # a load only (--rounds 0): the timings make the bench users, not the load
        for round_number in range(1, options["rounds"] + 1):
            self.stdout.write(f"round {round_number}, load average {os.getloadavg()[0]:.1f}")
            self._print(bench.run_timings(province))
        same, total = bench.same_rows(province, bench.bench_queries())
        self.stdout.write(f"same first page as the previous design: {same} of {total} searches")

    def _print(self, timings: list[bench.Timing]) -> None:
        for timing in timings:
            self.stdout.write(
                f"{timing.label:<58} n={len(timing.samples_ms):<4} "
                f"p50={timing.p50:8.1f} ms  p95={timing.p95:8.1f} ms"
            )
