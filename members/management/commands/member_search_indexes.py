from typing import Any

from django.core.management.base import BaseCommand

from members.search_index import sync_province_indexes


class Command(BaseCommand):
    help = (
        "Creates the name-search indexes of every province that lacks them and drops those of "
        "deleted provinces. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = sync_province_indexes()
        self.stdout.write(
            f"created {len(report.created)}, dropped {len(report.dropped)} indexes "
            f"in {report.seconds:.1f} s"
        )
