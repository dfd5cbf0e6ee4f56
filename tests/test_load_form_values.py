"""The load scenario's officer types values the entry form accepts (bench/load/form_values.py):
its saves are real saves, never the form's 400. Rates (H-05: numerator at most the denominator)
and breakdowns (H-12 "trong đó" at most its total H-11) are filled, so every rule is in play."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bench.load.form_values import bounds, form_fields, inputs, valid_change
from indicators.cycle.entry import Entry
from indicators.cycle.recording import record_results
from indicators.models import Indicator, Result, Submission

pytestmark = pytest.mark.django_db
OCT = datetime.date(2025, 10, 1)


def _name(unit, code: str, part: str = "value") -> str:
    return f"{part}-{unit.pk}-{Indicator.objects.get(code=code).pk}"


@pytest.fixture
def filled(khanh_hoa, catalog):
    def entry(code: str, **values: int) -> Entry:
        amounts = {k: Decimal(v) for k, v in values.items()}
        return Entry(khanh_hoa.ba_ngoi, Indicator.objects.get(code=code), OCT, **amounts)

    record_results([entry("H-05", numerator=30, denominator=40), entry("H-11", value=12)])
    record_results([entry("H-12", value=12), entry("H-01", value=3)])
    return khanh_hoa


def test_the_bounds_follow_the_rates_and_the_breakdowns(filled) -> None:
    client = Client()
    client.force_login(filled.commune_officer)
    url = reverse("indicators:entry_form", args=[filled.ba_ngoi.pk, "CTH", "2025-10"])
    html = client.get(url).content.decode()
    fields, grid = form_fields(html), inputs(html)
    ba_ngoi = filled.ba_ngoi

    assert bounds(_name(ba_ngoi, "H-05", "numerator"), fields, grid) == (0, 40)
    assert bounds(_name(ba_ngoi, "H-05", "denominator"), fields, grid)[0] == 30  # type: ignore[index]
    assert bounds(_name(ba_ngoi, "H-12"), fields, grid) == (0, 12)
    assert bounds(_name(ba_ngoi, "H-11"), fields, grid)[0] == 12  # type: ignore[index]
    assert bounds(_name(ba_ngoi, "H-17", "numerator"), fields, grid) is None  # no denominator


def test_every_save_of_the_scenario_is_accepted(filled) -> None:
    client = Client()
    client.force_login(filled.commune_officer)
    url = reverse("indicators:entry_form", args=[filled.ba_ngoi.pk, "CTH", "2025-10"])
    random.seed(19)
    changed = set()
    for _round in range(15):
        html = client.get(url).content.decode()
        fields = form_fields(html)
        for _change in range(4):
            change = valid_change(fields, html)
            assert change is not None
            fields[change[0]] = change[1]
            changed.add(change[0])

        response = client.post(url, fields | {"action": "save"})

        assert response.status_code == 302, response.content.decode()[:2000]
    assert Result.objects.filter(unit=filled.ba_ngoi, month=OCT).count() >= 4
    assert len(changed) > 5  # not one field over and over


def test_an_approved_month_offers_nothing_to_type(filled) -> None:
    """An approved month's grid is disabled (its hidden version is still there): the scenario
    moves on rather than posting a save the portal must refuse (400, "đã khóa")."""
    from indicators.cycle.review import approve, submit

    submission = Submission.objects.get(unit=filled.ba_ngoi, month=OCT, program__code="CTH")
    submit(user=filled.commune_officer, submission=submission)
    approve(user=filled.province_reviewer, submission=submission)
    client = Client()
    client.force_login(filled.commune_officer)
    url = reverse("indicators:entry_form", args=[filled.ba_ngoi.pk, "CTH", "2025-10"])
    html = client.get(url).content.decode()

    grid = [a for a in inputs(html) if a.get("name", "").startswith(("value-", "numerator-"))]
    assert grid and all("disabled" in attrs for attrs in grid)
    assert not any(name.startswith(("value-", "numerator-")) for name in form_fields(html))
    assert valid_change(form_fields(html), html) is None
