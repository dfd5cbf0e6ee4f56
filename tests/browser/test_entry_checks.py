"""Browser path (issue 18): the browser and the server check a month form by the same rules, so
the fields marked while typing are the fields the server marks, and every error is reported at
once on the first save."""

import pytest
from django.urls import reverse

from indicators.models import Indicator
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(khanh_hoa, catalog) -> dict:
    # Made before the browser starts (see tests/browser/test_login.py).
    commune = khanh_hoa.ba_ngoi

    def name(code: str, part: str = "value") -> str:
        return f"{part}-{commune.pk}-{Indicator.objects.get(code=code).pk}"

    return {
        "officer": khanh_hoa.commune_officer.username,
        "url": reverse("indicators:entry_form", args=[commune.pk, "CTH", "2025-10"]),
        "typed": {
            name("H-01"): "-3",
            name("H-04"): "mười",
            name("H-05", "denominator"): "100",
            name("H-05", "numerator"): "800",
            name("H-11"): "10",
            name("H-12"): "12",
        },
        "wrong": [name("H-01"), name("H-04"), name("H-05", "numerator"), name("H-12")],
    }


def _marked(page) -> set[str]:
    return set(
        page.eval_on_selector_all(".field.has-error input", "inputs => inputs.map(i => i.name)")
    )


def test_the_fields_marked_while_typing_are_the_ones_the_server_marks(setup, live_server, page):
    log_in(page, live_server.url, setup["officer"])
    page.goto(f"{live_server.url}{setup['url']}")
    for name, text in setup["typed"].items():
        page.fill(f"[name='{name}']", text)

    assert _marked(page) == set(setup["wrong"])

    page.click("button[value='save']")
    page.wait_for_selector("text=Chưa lưu: 4 lỗi cần sửa")
    assert _marked(page) == set(setup["wrong"])
