from typing import Any

from django.core.management.base import BaseCommand

from demo.services import load_demo


class Command(BaseCommand):
    help = "Loads the demo: seed provinces, catalogue, demo branches and one user per level."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = load_demo()
        for load in summary.provinces:
            self.stdout.write(
                f"{load.province.name}: {load.communes} communes (post-2025), "
                f"{load.legacy_districts} districts and {load.legacy_communes} communes (pre-2025)"
            )
        for table, counts in summary.catalog.items():
            self.stdout.write(f"{table}: {sum(counts.values())}")
        self.stdout.write(f"demo branches created: {summary.branches_created}")
        self.stdout.write(f"demo results created: {summary.results_created}")
        self.stdout.write(f"demo review states created: {summary.review_states_created}")
        self.stdout.write(f"demo members created: {summary.members_created}")
        self.stdout.write(self.style.SUCCESS("Demo accounts (username / password / role / unit):"))
        for account in summary.accounts:
            self.stdout.write(
                f"  {account.username:<20} {account.password:<26} {account.role:<14} "
                f"{account.unit.name}"
            )
