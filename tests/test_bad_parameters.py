"""Malformed query parameters give the page or a 404, never a server error."""

import pytest
from django.test import Client
from django.urls import reverse

from common.periods import parse_month

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
    assert "ký tự không hợp lệ (NUL)" in response.content.decode()


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
