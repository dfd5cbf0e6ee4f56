"""`manage.py generate_report --program DA939 --unit 04 --from 2017-01 --to 2025-12 --format xlsx
--out bao-cao.xlsx [--levels-below]`: the report made here and now, with no queue (for scripts
and checks). Exits non-zero with the reason when it cannot."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.periods import parse_month
from members.models import Unit
from programs.models import Program
from reports import services
from reports.models import Format


class Command(BaseCommand):
    help = "Makes a progress report synchronously and writes it to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", required=True, help="program code, e.g. DA939")
        parser.add_argument("--unit", required=True, help="unit code, e.g. 04 (Cao Bằng)")
        parser.add_argument("--from", dest="start", required=True, help="first month, 2025-01")
        parser.add_argument("--to", dest="end", required=True, help="last month, 2025-12")
        parser.add_argument("--format", choices=["xlsx", "pdf", "both"], default="xlsx")
        parser.add_argument(
            "--levels-below",
            action="store_true",
            help="add a sheet per level below the report's rows to the workbook (not the PDF)",
        )
        parser.add_argument(
            "--out", required=True, help="file to write; with --format both, .xlsx and .pdf"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        program = Program.objects.filter(code=options["program"]).first()
        if program is None:
            raise CommandError(f"no program with code {options['program']!r}")
        unit = self._unit(options["unit"])
        try:
            start, end = parse_month(options["start"]), parse_month(options["end"])
        except ValueError as exc:
            raise CommandError(f"not a month: {options['start']!r} / {options['end']!r}") from exc
        began = time.monotonic()
        try:
            files = services.generate_now(
                program=program,
                unit=unit,
                start=start,
                end=end,
                format=options["format"],
                levels_below=options["levels_below"],
            )
        except services.ReportRequestError as exc:
            raise CommandError(str(exc)) from exc
        out = Path(options["out"])
        written = []
        for ext, data in files.items():
            path = out if options["format"] != Format.BOTH else out.with_suffix(f".{ext}")
            try:
                path.write_bytes(data)
            except OSError as exc:
                raise CommandError(f"cannot write {path}: {exc}") from exc
            written.append(str(path))
        elapsed = time.monotonic() - began
        self.stdout.write(f"{', '.join(written)} ({elapsed:.1f} s)")

    def _unit(self, code: str) -> Unit:
        """The unit with this code, the one in force first when the code was reused."""
        units = list(Unit.objects.filter(code=code).order_by("valid_to", "depth"))
        current = [u for u in units if u.valid_to is None]
        if not units:
            raise CommandError(f"no unit with code {code!r}")
        return (current or units)[0]
