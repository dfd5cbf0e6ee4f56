from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from indicators.catalogue.catalog import CatalogError
from indicators.catalogue.services import DEFAULT_CATALOG_DIR, load_catalog


class Command(BaseCommand):
    help = "Loads programs.csv, indicators.csv and targets.csv from a folder (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_CATALOG_DIR)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = load_catalog(options["directory"])
        except CatalogError as exc:
            raise CommandError(f"Không nạp được danh mục, không có gì được ghi:\n{exc}") from exc
        for table, counts in summary.items():
            self.stdout.write(
                f"{table}: created {counts['created']}, updated {counts['updated']}, "
                f"unchanged {counts['unchanged']}"
            )
