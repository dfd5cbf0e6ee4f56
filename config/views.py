from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect


def health(request: HttpRequest) -> HttpResponse:
    """For the proxy's and docker's health checks, and the benchmark's floor: the cost of a
    request through the middleware and nothing else."""
    return HttpResponse("ok", content_type="text/plain")


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever the page links: the static icon."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url("favicon.ico"))
