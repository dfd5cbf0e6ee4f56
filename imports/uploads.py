"""An upload handler that stops keeping a file once it passes the size limit: the rest of the
body is read and thrown away, never spooled to disk, and the view tells the user why."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest


class SizeLimitHandler(FileUploadHandler):
    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request)
        self.limit: int = settings.IMPORT_MAX_UPLOAD_BYTES
        self.too_big = 0  # the size seen when the file was refused, 0 if not

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.too_big = start + len(raw_data)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handler (Django's own) keeps the file


def limit_uploads(request: HttpRequest) -> SizeLimitHandler:
    """Puts the handler first; call before anything reads request.POST or request.FILES."""
    handler = SizeLimitHandler(request)
    request.upload_handlers = [handler, *request.upload_handlers]
    return handler
