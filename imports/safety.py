"""The legacy import's use of the one upload gate (common.uploads): a sheet (.xlsx or CSV) by
its content, within the sheet limits, and not too many rows. Each refusal is a clear Vietnamese
message (`UnsafeFile`), never a server error."""

from __future__ import annotations

import zipfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from common import uploads
from common.uploads import UnsafeFile

__all__ = ["UnsafeFile", "check_file", "check_size", "count_rows"]


def check_size(size: int, name: str = "tệp") -> None:
    uploads.check_size(size, name, settings.IMPORT_MAX_UPLOAD_BYTES)


def check_file(path: Path | str, name: str | None = None) -> int:
    """About how many rows the file has; UnsafeFile when it must not be parsed."""
    path = Path(path)
    kind = uploads.check(path, uploads.sheet_rules(), name=name)
    return count_rows(path, kind)


def _worksheet_rows(path: Path) -> int:
    """Rows of the workbook's first sheet, counted in its XML without parsing it."""
    with zipfile.ZipFile(path) as archive:
        sheets = sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
        if not sheets:
            return 0
        count, tail = 0, b""
        with archive.open(sheets[0]) as stream:
            while chunk := stream.read(1 << 20):
                count += (tail + chunk).count(b"<row ")
                tail = chunk[-4:]
        return count


def count_rows(path: Path | str, kind: str | None = None) -> int:
    """About how many rows the file has (for a job or not); UnsafeFile above the limit."""
    path = Path(path)
    if kind == uploads.XLSX or (kind is None and path.suffix.lower() in {".xlsx", ".xlsm"}):
        rows = _worksheet_rows(path)
    else:
        rows = path.read_bytes().count(b"\n")
    limit = int(settings.IMPORT_MAX_ROWS)
    if rows > limit:
        raise UnsafeFile(
            _("Tệp có quá nhiều dòng (%(rows)s, tối đa %(limit)s).")
            % {"rows": rows, "limit": limit}
        )
    return rows
