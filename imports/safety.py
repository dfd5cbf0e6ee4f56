"""Checks an uploaded file before any reader parses it: only workbooks (.xlsx) and CSV, no
corrupt or password-protected workbook, no zip bomb, not too many rows. Each refusal is a
clear Vietnamese message (`UnsafeFile`), never a server error.

openpyxl parses XML through defusedxml when it is installed (it is pinned for that), and
python-calamine parses with its own non-expanding reader; the limits here keep a small upload
from unpacking into gigabytes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# An encrypted .xlsx is an OLE container holding this stream (MS-OFFCRYPTO).
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
TEXT_SUFFIXES = {".csv", ".txt"}


class UnsafeFile(ValueError):
    """The file is refused before reading; the message says why, in Vietnamese."""


def _limit(name: str) -> int:
    return int(getattr(settings, name))


def check_size(size: int) -> None:
    limit = _limit("IMPORT_MAX_UPLOAD_BYTES")
    if size > limit:
        raise UnsafeFile(
            _("Tệp quá lớn (%(size)s MB, tối đa %(limit)s MB).")
            % {"size": round(size / 2**20, 1), "limit": limit // 2**20}
        )


def _check_ole(path: Path) -> None:
    data = path.read_bytes()
    if ENCRYPTED_STREAM in data:
        raise UnsafeFile(_("Tệp Excel được đặt mật khẩu: hãy bỏ mật khẩu, lưu lại rồi tải lên."))
    raise UnsafeFile(
        _("Tệp Excel 97–2003 (.xls) chưa đọc được: hãy mở bằng Excel và lưu lại dạng .xlsx.")
    )


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnsafeFile(
            _("Tệp Excel bị hỏng, không mở được (%(error)s).") % {"error": exc}
        ) from exc
    if len(entries) > _limit("IMPORT_MAX_ZIP_ENTRIES"):
        raise UnsafeFile(
            _("Tệp Excel có quá nhiều thành phần (%(count)s): không đọc tệp này.")
            % {"count": len(entries)}
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > _limit("IMPORT_MAX_UNPACKED_BYTES"):
        raise UnsafeFile(
            _("Tệp Excel khi giải nén quá lớn (%(size)s MB): không đọc tệp này.")
            % {"size": unpacked // 2**20}
        )
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise UnsafeFile(_("Tệp nén này không phải là bảng tính Excel (.xlsx)."))


def _check_text(path: Path) -> None:
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise UnsafeFile(_("Tệp này không phải là tệp CSV (văn bản)."))


def check_file(path: Path | str) -> int:
    """About how many rows the file has; UnsafeFile when it must not be parsed."""
    path = Path(path)
    check_size(path.stat().st_size)
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(OLE_MAGIC):
        _check_ole(path)
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES or head.startswith(b"PK"):
        if suffix not in WORKBOOK_SUFFIXES:
            raise UnsafeFile(_("Chỉ nhận tệp Excel (.xlsx) hoặc CSV."))
        _check_zip(path)
    elif suffix not in TEXT_SUFFIXES:
        raise UnsafeFile(_("Chỉ nhận tệp Excel (.xlsx) hoặc CSV."))
    else:
        _check_text(path)
    return count_rows(path)


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


def count_rows(path: Path | str) -> int:
    """About how many rows the file has (for a job or not); UnsafeFile above the limit."""
    path = Path(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        rows = _worksheet_rows(path)
    else:
        rows = path.read_bytes().count(b"\n")
    if rows > _limit("IMPORT_MAX_ROWS"):
        raise UnsafeFile(
            _("Tệp có quá nhiều dòng (%(rows)s, tối đa %(limit)s).")
            % {"rows": rows, "limit": _limit("IMPORT_MAX_ROWS")}
        )
    return rows
