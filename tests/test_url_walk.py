"""The standing check: every URL pattern of the project (the admin's included), walked by a
staff user of Khánh Hòa who holds every model permission, with the ids of Cao Bằng's rows in
every id argument. No answer may show Cao Bằng's data: 404, 403 and redirects are fine, and a
200 is fine only without it (an id can name a row of Khánh Hòa in another table). A URL added
tomorrow is walked the day it is added; only patterns with no id are walked with none."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.foreign_rows import MARK, cao_bang_rows, staff_of

pytestmark = pytest.mark.django_db

# Converters whose arguments are ids; any other argument is filled as below.
_ID = re.compile(r"<(?:(int|path|str|slug)):(\w*(?:pk|id)\w*)>")
_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")
# Non-id arguments: a language code for i18n's set_language and the like; a content type
# (admin's "view on site") gets every content type's id from the walk's id list.
_OTHER = {
    "app_label": ["members", "indicators", "programs", "reports", "accounts"],
    # A password-reset link: user ids 1 and 2 in base 64, a made-up token and the one Django
    # redirects to once it has moved the token into the session.
    "uidb64": ["MQ", "Mg"],
    "token": ["set-password", "cz5zdr-0123456789abcdef"],
    # The user guide's pages.
    "role": ["can-bo-xa", "can-bo-tinh", "quan-tri", "khong-co"],
}


def _patterns(
    resolvers: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, route)
        else:
            yield route, entry


def _route_to_paths(route: str, ids: list[int]) -> list[str]:
    """Every way to fill the route's arguments: each id in id arguments, the known values in
    the others. Regex routes (the admin's app index) are turned into their literal forms."""
    route = route.lstrip("^").rstrip("$").replace("\\", "")
    args = _ARG.findall(route)
    if not args and "(?P<" in route:  # admin's app_list: ^(?P<app_label>members|...)/$
        route = re.sub(r"\(\?P<app_label>[^)]*\)", "<app_label>", route)
        args = _ARG.findall(route)
    choices = []
    for _conv, name in args:
        if name in _OTHER:
            choices.append(_OTHER[name])
        else:
            choices.append([str(i) for i in ids])
    paths = []
    for values in itertools.product(*choices) if choices else [()]:
        path, it = route, iter(values)
        path = _ARG.sub(lambda _m, it=it: next(it), path)  # type: ignore[misc]
        paths.append("/" + path)
    return paths


def test_every_url_with_another_provinces_ids_shows_none_of_its_data(khanh_hoa: Any) -> None:
    foreign = cao_bang_rows(khanh_hoa)
    ids = sorted({obj.pk for obj in foreign.objects()} | {khanh_hoa.cao_bang.pk,  # type: ignore[attr-defined]
                  khanh_hoa.thuc_phan.pk})  # fmt: skip
    client = Client(raise_request_exception=False)
    client.force_login(staff_of(khanh_hoa.province))
    walked, leaks = 0, []
    routes = list(_patterns(get_resolver().url_patterns))
    assert len(routes) > 50  # the admin's patterns are in the walk
    for route, _pattern in routes:
        for path in _route_to_paths(route, ids):
            # The portal's pages also take a unit in the query (?don_vi=); the admin's lists
            # take field lookups there instead.
            unit_param = (
                [] if path.startswith("/quan-tri/") else [{"don_vi": khanh_hoa.thuc_phan.pk}]
            )
            for params in [{}, *unit_param]:
                response = client.get(path, params)
                walked += 1
                body = b"".join(response) if response.streaming else response.content  # type: ignore[attr-defined]
                text = body.decode("utf-8", "replace")
                if response.status_code == 200 and MARK in text:
                    leaks.append(f"{path}?{params}")
                # The health check answers 503 by design here: no Celery worker runs.
                assert response.status_code < 500 or path == "/suc-khoe/", path
    # The probe's figure for the closing note (shown with `pytest -s`).
    print(f"URL walk: {len(routes)} patterns, {walked} requests with Cao Bằng's ids,", end=" ")
    print(f"{len(leaks)} leaks")
    assert walked > 500
    assert leaks == []
