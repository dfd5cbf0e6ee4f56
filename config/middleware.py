from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _


def vietnamese_first(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Vietnamese unless the user chose English with the language switch.

    Officers often use browsers set to English; the browser's Accept-Language would then turn
    the portal English for people who never asked for it. Only the language cookie (set by the
    switch) is honoured.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return get_response(request)

    return middleware


def no_nul_in_query(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """A query string with a NUL character is refused (400) before any view reads it.

    No page takes one, and PostgreSQL refuses NUL in text: a filter that passed such a value to
    a query was a server error (found by `make scan`: /hoat-dong/?program=...%00). The body is
    not read here, so that the upload limits still come first (common.uploads).
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
            return HttpResponseBadRequest(
                _("Địa chỉ có ký tự không hợp lệ (NUL) trong tham số; hãy kiểm tra lại đường dẫn."),
                content_type="text/plain; charset=utf-8",
            )
        return get_response(request)

    return middleware
