"""`Cache-Control: no-store` on personal data and downloads.

Member pages and their export, report downloads, legacy-import files and activity
attachments must not stay in a browser's or a proxy's cache on a shared office computer. The
pages are named here, by URL name, rather than decorated one by one, so that one list says
which they are (tests/test_headers.py checks that every member URL is in it). The admin's
own views are never cached already (Django's admin_view).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

NO_STORE_URL_NAMES = frozenset(
    {
        # the member register
        "register",
        "member_add",
        "register_export",
        "register_import",
        "register_figures",
        "member_detail",
        "member_status",
        "member_move",
        "member_anonymise",
        # downloads
        "report_download",
        "import_file",
        "attachment_download",
    }
)


def no_store(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Adds never-cache headers (no-store among them) to the responses of NO_STORE_URL_NAMES."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in NO_STORE_URL_NAMES:
            add_never_cache_headers(response)
        return response

    return middleware
