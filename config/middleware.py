from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


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
