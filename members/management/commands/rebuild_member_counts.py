import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from members import month_counts


class Command(BaseCommand):
    help = (
        "Recomputes the branches' monthly member counts (the figures page's source) from the "
        "memberships: every branch, or those given. A repair; the register's services keep "
        "them otherwise. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--branch", type=int, action="append", help="Id of a branch; repeat for several."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        rows = month_counts.rebuild(options["branch"])
        self.stdout.write(f"{rows:,} monthly rows written in {time.perf_counter() - started:.1f} s")
