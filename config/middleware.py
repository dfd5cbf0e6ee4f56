from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

from accounts import access


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


def refuse_nul_in_query(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """A NUL character is never part of a valid query parameter, and PostgreSQL refuses it in
    any text it is given: a query string carrying one is answered 400 with the parameter's name
    (forms already refuse it in posted fields), before a view hands it to the database."""

    def middleware(request: HttpRequest) -> HttpResponse:
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                name = key.replace("\x00", "")[:50]
                message = _(
                    "Yêu cầu không hợp lệ: tham số “%(name)s” chứa ký tự không được phép (NUL)."
                ) % {"name": name}
                return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return get_response(request)

    return middleware


def remember_assignments(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """The permission checks of one request read the user's assignments once
    (accounts.access.remembered_assignments) instead of one query per check."""

    def middleware(request: HttpRequest) -> HttpResponse:
        with access.remembered_assignments():
            return get_response(request)

    return middleware
