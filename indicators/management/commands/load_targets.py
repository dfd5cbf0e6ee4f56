from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from indicators.catalogue.catalog import CatalogError
from indicators.catalogue.services import load_targets


class Command(BaseCommand):
    help = (
        "Loads targets from a CSV file (province or unit code, program, indicator, period_end, "
        "target, source): every row or, on any bad row, none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and count, write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("Không tìm thấy tệp %(file)s") % {"file": path})
        try:
            counts = load_targets(path, dry_run=options["dry_run"])
        except CatalogError as exc:
            heading = _("Không nạp được %(file)s, không có gì được ghi:") % {"file": path.name}
            raise CommandError(f"{heading}\n{exc}") from exc
        self.stdout.write(
            _("%(file)s: thêm mới %(created)s, cập nhật %(updated)s, không đổi %(unchanged)s")
            % {"file": path.name, **{k: counts[k] for k in ("created", "updated", "unchanged")}}
        )
        if options["dry_run"]:
            self.stdout.write(_("Chạy thử: không có gì được ghi."))
