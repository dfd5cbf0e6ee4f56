from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from indicators.figures import totals
from members.services import UnknownProvinceError, load_units


class Command(BaseCommand):
    help = "Builds the real units of the named provinces from the vietnam-provinces package."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            action="append",
            required=True,
            help='Province name or code; repeat for several ("Cao Bằng", "04").',
        )
        parser.add_argument(
            "--no-legacy", action="store_true", help="Only the post-2025 map (no districts)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loads = load_units(options["province"], with_legacy=not options["no_legacy"])
        except UnknownProvinceError as exc:
            raise CommandError(str(exc)) from exc
        for load in loads:
            self.stdout.write(
                f"{load.province.name} ({load.province.code}): {load.communes} communes; "
                f"pre-2025: {load.legacy_provinces} provinces, {load.legacy_districts} districts, "
                f"{load.legacy_communes} communes, {load.successions} merger links; "
                f"created {load.counts.created}, updated {load.counts.updated}, "
                f"unchanged {load.counts.unchanged}"
            )
        if any(load.counts.updated for load in loads):
            # Changed dates move units in and out of the maps the totals count on.
            totals.rebuild()
            self.stdout.write("Units changed: month and coverage totals rebuilt.")
