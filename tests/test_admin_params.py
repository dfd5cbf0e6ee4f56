"""The admin's export pages meet a malformed filter in their address (a bookmarked link from an
older version, a hand-edited URL) with the admin's own answer, never a server error."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.foreign_rows import staff_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["khong_co=1", "unit__id__exact=abc", "month__gte=0001-99"])
@pytest.mark.parametrize("model", ["indicators_result", "members_member", "members_unit"])
def test_an_export_with_a_bad_filter_answers_cleanly(
    khanh_hoa: Any, model: str, query: str
) -> None:
    client = Client()
    client.force_login(staff_of(khanh_hoa.province))

    response = client.get(reverse(f"admin:{model}_export") + "?" + query)

    assert response.status_code == 302
    assert response["Location"].endswith("/?e=1")
