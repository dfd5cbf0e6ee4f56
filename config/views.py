from django.http import HttpRequest, HttpResponse


def health(request: HttpRequest) -> HttpResponse:
    """For the proxy's and docker's health checks, and the benchmark's floor: the cost of a
    request through the middleware and nothing else."""
    return HttpResponse("ok", content_type="text/plain")
