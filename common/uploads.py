"""The one gate every uploaded file passes before anything parses or keeps it: the legacy
import (imports/), the member import (members/), activity attachments (programs/, page and
admin) and the admin's imports (django-import-export).

What it checks, reading only the file's first bytes, a zip's central directory and the first
kilobyte of each of its XML parts (milliseconds, whatever the file claims to unpack to):

- its size (the upload handler below also stops a too-big body from being kept at all);
- its type by its content (magic bytes), never by its name; a name whose extension says
  another type is refused too ("renamed file"), since readers pick their parser by it;
- for a zip container (.xlsx, .docx): the number of parts, the total unpacked size, and each
  part's compression ratio (a zip bomb: a small file unpacking to hundreds of MB);
- no DOCTYPE or ENTITY declaration in its XML parts (no real Office file has one: entity bombs,
  XXE). openpyxl also parses through defusedxml, which is pinned for that.

Each refusal is an `UnsafeFile` whose message, in Vietnamese, names the file and the reason.

The limits, measured on real sheets (see `UploadRules`): openpyxl writes 200,000 long-shape
rows (IMPORT_MAX_ROWS) as a 3.8 MB .xlsx unpacking to 42 MB, its sheet compressed 11.6:1
(15.4:1 with every row the same); a 2,000-member register is 82 KB unpacking to 0.8 MB
(10.2:1); the Cao Bằng wide form of tests/data is 6 KB unpacking to 24 KB (6.5:1 at most).
Deflate reaches about 1,000:1 on repeated bytes; the zip bomb of the security probe was
1.37 MB unpacking to ~280 MB (~200:1).
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

XLSX, CSV, PDF, PNG, JPEG = "xlsx", "csv", "pdf", "png", "jpeg"
DOCX, DOC, XLS = "docx", "doc", "xls"
SHEETS = frozenset({XLSX, CSV})
ATTACHMENTS = frozenset({JPEG, PNG, PDF, DOCX, XLSX, DOC})
# The extensions a name may carry for each type (a name with another known extension is a
# renamed file); a name with no extension is judged by its content alone.
EXTENSIONS = {
    XLSX: {".xlsx", ".xlsm"},
    CSV: {".csv", ".txt"},
    PDF: {".pdf"},
    PNG: {".png"},
    JPEG: {".jpg", ".jpeg"},
    DOCX: {".docx"},
    DOC: {".doc"},
    XLS: {".xls"},
}
LABELS = {
    XLSX: "Excel (.xlsx)",
    CSV: "CSV",
    PDF: "PDF",
    PNG: "PNG",
    JPEG: "JPEG",
    DOCX: "Word (.docx)",
    DOC: "Word 97–2003 (.doc)",
    XLS: "Excel 97–2003 (.xls)",
}
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# An encrypted .xlsx is an OLE container holding this stream (MS-OFFCRYPTO).
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
# A part smaller than this unpacked is never a bomb, whatever its ratio (a theme, a style sheet).
RATIO_FLOOR = 1 * 2**20
XML_HEAD = 1024


class UnsafeFile(ValueError):
    """The file is refused before reading; the message says which file and why, in Vietnamese."""


@dataclass(frozen=True)
class UploadRules:
    """What one upload path accepts. The defaults come from the settings (UPLOAD_*)."""

    kinds: frozenset[str]
    max_bytes: int
    max_unpacked: int
    max_entries: int
    max_ratio: int


def _setting(name: str) -> int:
    return int(getattr(settings, name))


def sheet_rules(max_bytes: int | None = None, max_unpacked: int | None = None) -> UploadRules:
    """Sheets (.xlsx, CSV): the legacy import and the admin's imports; the member import passes
    its own, lower, limits."""
    return UploadRules(
        kinds=SHEETS,
        max_bytes=max_bytes or _setting("IMPORT_MAX_UPLOAD_BYTES"),
        max_unpacked=max_unpacked or _setting("IMPORT_MAX_UNPACKED_BYTES"),
        max_entries=_setting("IMPORT_MAX_ZIP_ENTRIES"),
        max_ratio=_setting("UPLOAD_MAX_RATIO"),
    )


def attachment_rules() -> UploadRules:
    return UploadRules(
        kinds=ATTACHMENTS,
        max_bytes=_setting("ATTACHMENT_MAX_BYTES"),
        max_unpacked=_setting("IMPORT_MAX_UNPACKED_BYTES"),
        max_entries=_setting("IMPORT_MAX_ZIP_ENTRIES"),
        max_ratio=_setting("UPLOAD_MAX_RATIO"),
    )


def _refuse(name: str, reason: str) -> UnsafeFile:
    return UnsafeFile(_("Tệp «%(name)s»: %(reason)s") % {"name": name, "reason": reason})


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f}".replace(".", ",")


def check_size(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise _refuse(
            name,
            _("tệp quá lớn (%(size)s MB, tối đa %(limit)s MB).")
            % {"size": _mb(size), "limit": _mb(max_bytes)},
        )


def _allowed(kinds: frozenset[str]) -> str:
    return ", ".join(LABELS[kind] for kind in LABELS if kind in kinds)


def _zip_kind(name: str, stream: IO[bytes], rules: UploadRules) -> str:
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            if len(entries) > rules.max_entries:
                raise _refuse(
                    name,
                    _("tệp nén có quá nhiều thành phần (%(count)s, tối đa %(limit)s).")
                    % {"count": len(entries), "limit": rules.max_entries},
                )
            unpacked = sum(entry.file_size for entry in entries)
            if unpacked > rules.max_unpacked:
                raise _refuse(
                    name,
                    _("khi giải nén quá lớn (%(size)s MB, tối đa %(limit)s MB): nghi là bom nén.")
                    % {"size": _mb(unpacked), "limit": _mb(rules.max_unpacked)},
                )
            for entry in entries:
                ratio = entry.file_size / max(entry.compress_size, 1)
                if entry.file_size > RATIO_FLOOR and ratio > rules.max_ratio:
                    raise _refuse(
                        name,
                        _(
                            "thành phần %(part)s nén quá mức (%(ratio)s lần, tối đa %(limit)s):"
                            " nghi là bom nén."
                        )
                        % {"part": entry.filename, "ratio": int(ratio), "limit": rules.max_ratio},
                    )
            names = {entry.filename for entry in entries}
            for entry in entries:
                if entry.filename.endswith((".xml", ".rels")):
                    with archive.open(entry) as part:
                        head = part.read(XML_HEAD)
                    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                        raise _refuse(
                            name,
                            _("thành phần %(part)s khai báo DOCTYPE/ENTITY: không đọc tệp này.")
                            % {"part": entry.filename},
                        )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
        if isinstance(exc, UnsafeFile):
            raise
        raise _refuse(name, _("tệp hỏng, không mở được (%(error)s).") % {"error": exc}) from exc
    if "xl/workbook.xml" in names:
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    raise _refuse(name, _("tệp nén này không phải là bảng tính Excel hay văn bản Word."))


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end is still text
        if exc.start < len(head) - 4:
            try:
                head.decode("cp1258")
            except UnicodeDecodeError:
                return False
    return True


def sniff(name: str, stream: IO[bytes], rules: UploadRules) -> str:
    """The file's type by its content; UnsafeFile when it is not one the rules accept."""
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(name, stream, rules)
    elif head.startswith(OLE_MAGIC):
        data = stream.read()
        if ENCRYPTED_STREAM in data:
            raise _refuse(
                name, _("tệp Excel được đặt mật khẩu: hãy bỏ mật khẩu, lưu lại rồi tải lên.")
            )
        kind = DOC if DOC in rules.kinds else XLS
        if kind == XLS:
            raise _refuse(
                name,
                _(
                    "tệp Excel 97–2003 (.xls) chưa đọc được: hãy mở bằng Excel"
                    " và lưu lại dạng .xlsx."
                ),
            )
    elif head.startswith(b"%PDF-"):
        kind = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif head and _looks_like_text(head):
        kind = CSV
    else:
        kind = ""
    stream.seek(0)
    suffix = Path(name).suffix.lower()
    known = {ext for exts in EXTENSIONS.values() for ext in exts}
    if kind not in rules.kinds:
        claimed = [k for k in rules.kinds if suffix in EXTENSIONS[k]]
        if claimed and kind != XLS:
            raise _refuse(
                name,
                _("nội dung không đúng định dạng như tên tệp (%(kind)s); chỉ nhận %(allowed)s.")
                % {"kind": LABELS[claimed[0]], "allowed": _allowed(rules.kinds)},
            )
        raise _refuse(name, _("chỉ nhận %(allowed)s.") % {"allowed": _allowed(rules.kinds)})
    if suffix in known and suffix not in EXTENSIONS[kind]:
        raise _refuse(
            name,
            _("nội dung là %(kind)s, không khớp với đuôi tệp %(suffix)s (tệp bị đổi tên?).")
            % {"kind": LABELS[kind], "suffix": suffix},
        )
    if suffix and suffix not in known:
        raise _refuse(name, _("chỉ nhận %(allowed)s.") % {"allowed": _allowed(rules.kinds)})
    return kind


def check(upload: Any, rules: UploadRules, name: str | None = None) -> str:
    """Checks an uploaded file (an UploadedFile, a path, bytes or a binary stream) and returns
    its type; UnsafeFile when it must not be read. Reads no more than the checks need."""
    if isinstance(upload, bytes):
        stream: IO[bytes] = io.BytesIO(upload)
        label = name or "tệp"
        size = len(upload)
    elif isinstance(upload, str | Path):
        path = Path(upload)
        label = name or path.name
        size = path.stat().st_size
        check_size(size, label, rules.max_bytes)
        with path.open("rb") as handle:
            return sniff(label, handle, rules)
    else:
        label = name or Path(getattr(upload, "name", "") or "tệp").name
        size = getattr(upload, "size", None) or 0
        stream = upload.file if hasattr(upload, "file") and upload.file is not None else upload
    check_size(size, label, rules.max_bytes)
    try:
        return sniff(label, stream, rules)
    finally:
        stream.seek(0)


def clean_upload[U](upload: U, rules: UploadRules) -> U:
    """`check` for a form's clean_<field>: an uploaded file passes, or its refusal becomes the
    field's error. Anything else (no file: the field's own `required` speaks) passes as it is."""
    if isinstance(upload, UploadedFile):
        try:
            check(upload, rules)
        except UnsafeFile as exc:
            raise forms.ValidationError(str(exc)) from exc
    return upload


class SizeLimitHandler(FileUploadHandler):
    """Stops keeping a file once it passes the size limit: the rest of the body is read and
    thrown away, never spooled to disk, and the view says why (`too_big`, the size seen)."""

    def __init__(self, request: HttpRequest, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit: int = limit or settings.IMPORT_MAX_UPLOAD_BYTES
        self.too_big = 0
        self.too_big_name = ""

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.current_name = file_name

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.too_big = start + len(raw_data)
            self.too_big_name = getattr(self, "current_name", "")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handler (Django's own) keeps the file

    def refusal(self) -> str:
        """The message for a file refused while it was received, "" if none was."""
        if not self.too_big:
            return ""
        try:
            check_size(self.too_big, self.too_big_name or "tệp", self.limit)
        except UnsafeFile as exc:
            return str(exc)
        return ""


def limit_uploads(request: HttpRequest, limit: int | None = None) -> SizeLimitHandler:
    """Puts the handler first; call before anything reads request.POST or request.FILES."""
    handler = SizeLimitHandler(request, limit)
    request.upload_handlers = [handler, *request.upload_handlers]
    return handler


def size_limited(
    limit: Callable[[], int],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view decorator: the upload handler is put in place before CSRF reads the body
    (Django's documented pattern: csrf_exempt outside, csrf_protect inside); the view finds
    it as `request.upload_limit`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            request.upload_limit = limit_uploads(request, limit())  # type: ignore[attr-defined]
            return protected(request, *args, **kwargs)

        return csrf_exempt(wrapper)

    return decorator
