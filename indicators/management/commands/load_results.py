from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from indicators.cycle.results_csv import ResultsFileError, load_results


class Command(BaseCommand):
    help = (
        "Loads monthly results from a CSV file (unit_code, indicator_code, month, value, "
        "numerator, denominator): every row or, on any bad row, none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            summary = load_results(path)
        except ResultsFileError as exc:
            heading = _("Không nạp được %(file)s, không có gì được ghi:") % {"file": path.name}
            raise CommandError(f"{heading}\n{exc}") from exc
        self.stdout.write(
            _("%(file)s: thêm mới %(created)s, cập nhật %(updated)s, không đổi %(unchanged)s")
            % {
                "file": path.name,
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
            }
        )
        if summary.located_warnings:
            self.stdout.write(
                _("Cảnh báo (số liệu đã được ghi, xin kiểm tra lại):"), self.style.WARNING
            )
            for warning in summary.located_warnings:
                self.stdout.write(f"  {warning}", self.style.WARNING)
