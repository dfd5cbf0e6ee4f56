"""Malformed query parameters give the page or a 404, never a server error."""

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.datastructures import MultiValueDict

from common.periods import parse_month
from tests.foreign_rows import cao_bang_rows, staff_of

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "2025-13", "abc"])
def test_the_activity_calendar_ignores_a_month_off_the_calendar(khanh_hoa, month) -> None:
    response = _client(khanh_hoa.commune_officer).get(
        reverse("programs:activity_calendar"), {"month": month}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("unit", ["abc", "-1", "1.5", ""])
def test_register_figures_fall_back_to_the_users_unit_on_a_bad_unit(khanh_hoa, unit) -> None:
    response = _client(khanh_hoa.commune_officer).get(
        reverse("members:register_figures"), {"don_vi": unit}
    )
    assert response.status_code == 200
    assert response.context["unit"] == khanh_hoa.ba_ngoi


@pytest.mark.parametrize("text", ["0001-01", "9999-12", "06/1899"])
def test_a_month_far_off_the_calendar_is_refused(text) -> None:
    with pytest.raises(ValueError):
        parse_month(text)


# --- Every GET parameter of every page, with malformed values --------------------------------

# Values that broke pages before: out of range for an integer column or a date, not a number,
# a NUL byte (PostgreSQL refuses it in text), negative, off the calendar, very long, unicode.
BAD_VALUES = [
    "99999999999999999999",
    "abc",
    "\x00",
    "-1",
    "0001-01",
    "9999-12",
    "2025-13",
    "1" * 400,
    "x" * 3000,
    "Hà Nội ✓ 🌸",
]
_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def _routes(entries: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for entry in entries:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        else:
            yield route


@contextmanager
def _keys_read() -> Iterator[set[str]]:
    """Records every key a page reads from a QueryDict (request.GET, a form bound to it)."""
    keys: set[str] = set()
    originals = {
        name: getattr(MultiValueDict, name)
        for name in ("__getitem__", "get", "getlist", "__contains__")
    }

    def recording(name: str) -> Any:
        original = originals[name]

        def method(self: Any, key: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(self, QueryDict) and isinstance(key, str):
                keys.add(key)
            return original(self, key, *args, **kwargs)

        return method

    for name in originals:
        setattr(MultiValueDict, name, recording(name))
    try:
        yield keys
    finally:
        for name, original in originals.items():
            setattr(MultiValueDict, name, original)


def _fill(route: str, values: dict[str, list[str]]) -> list[str]:
    choices = [values.get(name, values["pk"]) for _conv, name in _ARG.findall(route)]
    paths = []
    for chosen in itertools.product(*choices):
        it = iter(chosen)
        paths.append("/" + _ARG.sub(lambda _m, it=it: next(it), route))  # type: ignore[misc]
    return paths


def test_no_get_parameter_of_any_page_gives_a_server_error(khanh_hoa) -> None:
    """Each page (the admin's aside: its lists take field lookups, Django checks them) is
    walked with the ids of rows its user may see, recording the GET keys it reads; then every
    key it read gets every malformed value. 400, 404 or the page with a message: never 500."""
    rows = cao_bang_rows(khanh_hoa)  # rows of Cao Bằng, walked by Cao Bằng's own staff user
    client = Client(raise_request_exception=False)
    client.force_login(staff_of(khanh_hoa.cao_bang, username="quantri.caobang"))
    ids = [khanh_hoa.cao_bang.pk, khanh_hoa.thuc_phan.pk]
    ids += [obj.pk for obj in rows.objects()]  # type: ignore[attr-defined]
    values = {
        "pk": sorted({str(i) for i in ids}),
        "program": [rows.result.indicator.program.code],
        "month": ["2025-06"],
        "ext": ["xlsx"],
    }
    # The health check answers 503 by design here (no worker runs).
    skipped = ("quan-tri/", "suc-khoe/")
    routes = [r for r in _routes(get_resolver().url_patterns) if not r.startswith(skipped)]
    assert len(routes) > 30

    pages: dict[str, set[str]] = {}  # a path that answered, and the keys it read
    for route in routes:
        for path in _fill(route, values):
            with _keys_read() as keys:
                # A parameter, so that forms bound to `request.GET or None` are bound.
                response = client.get(path, {"_": "1"})
            assert response.status_code < 500, path
            if response.status_code < 400:  # a page, or a redirect (the start pages)
                pages[path] = keys - {"_"}
                break
    assert sum(len(k) for k in pages.values()) > 20  # the walk found the pages' parameters

    failures = []
    for path, keys in pages.items():
        for key in sorted(keys):
            for value in BAD_VALUES:
                try:  # a failed query must not spoil the test's transaction for the next ones
                    with transaction.atomic():
                        status = client.get(path, {key: value}).status_code
                except DatabaseError:
                    status = 500
                if status >= 500:
                    failures.append(f"{path}?{key}={value[:20]!r}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "0", "abc", "1000001"])
def test_a_register_page_number_out_of_range_is_the_first_page(khanh_hoa, page) -> None:
    response = _client(khanh_hoa.commune_officer).get(reverse("members:register"), {"trang": page})
    assert response.status_code == 200
    assert response.context["page"] == 1


def test_a_nul_in_a_query_parameter_is_refused_with_its_name(khanh_hoa) -> None:
    response = _client(khanh_hoa.province_reviewer).get(
        reverse("programs:activity_list"), {"program": "DA\x00939"}
    )
    assert response.status_code == 400
    assert "tham số “program” chứa ký tự không được phép" in response.content.decode()


@pytest.mark.parametrize("unit", ["abc", "2025-13", "Hà Nội", "99999999999999999999"])
def test_the_entry_start_takes_the_officers_commune_on_a_bad_unit(khanh_hoa, catalog, unit) -> None:
    response = _client(khanh_hoa.commune_officer).get(
        reverse("indicators:entry_start"), {"unit": unit}
    )
    assert response.status_code == 302
    assert f"/nhap-lieu/{khanh_hoa.ba_ngoi.pk}/" in response["Location"]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("programs:activity_list", {"program": "DA939\x00", "type": "khac"}),
        ("programs:activity_calendar", {"program": "../etc/services\x00"}),
        ("programs:activity_list", {"month\x00": "2025-10"}),
    ],
)
def test_a_nul_in_the_query_is_a_400_not_a_server_error(khanh_hoa, name, params) -> None:
    """Found by `make scan` (wapiti): a NUL reached PostgreSQL and gave a 500."""
    response = _client(khanh_hoa.commune_officer).get(reverse(name), params)
    assert response.status_code == 400
    assert "không được phép (NUL)" in response.content.decode()


@pytest.mark.parametrize("unit", ["https://openbugbounty.org/", "１２", "-1", "1.5"])
def test_the_entry_start_falls_back_to_the_users_commune_on_a_bad_unit(
    khanh_hoa, catalog, unit
) -> None:
    """Found by `make scan` (wapiti): a unit that was no number gave a 500."""
    response = _client(khanh_hoa.commune_officer).get(
        reverse("indicators:entry_start"), {"unit": unit, "program": "CTH", "month": "2025-10"}
    )
    assert response.status_code == 302
    assert f"/nhap-lieu/{khanh_hoa.ba_ngoi.pk}/" in response["Location"]
