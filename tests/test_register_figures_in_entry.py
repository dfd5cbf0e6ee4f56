"""H-04 and H-05's numerator are offered from the member register on the month's form."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from indicators.models import Indicator
from members.services import change_status
from tests import factories
from tests.entry_posts import entry_post

pytestmark = pytest.mark.django_db

D = datetime.date


def _form(client: Client, unit, month: str = "2025-03"):
    return client.get(reverse("indicators:entry_form", args=[unit.pk, "CTH", month]))


def _cell(response, code: str):
    return next(c for c in response.context["sheet"].commune_cells if c.indicator.code == code)


def test_register_figures_are_offered_with_their_source(khanh_hoa, catalog) -> None:
    branch = khanh_hoa.ba_ngoi_branch
    factories.member(branch, "Nguyễn Thị An", joined_on=D(2024, 6, 1))
    factories.member(branch, "Trần Thị Bình", joined_on=D(2025, 3, 3))
    gone = factories.member(branch, "Lê Thị Chi", joined_on=D(2025, 3, 9))
    change_status(user=khanh_hoa.commune_officer, member=gone, status="left", on=D(2025, 3, 20))
    client = Client()
    client.force_login(khanh_hoa.commune_officer)

    response = _form(client, khanh_hoa.ba_ngoi)

    h04, h05 = _cell(response, "H-04"), _cell(response, "H-05")
    assert h04.shown("value") == "2"  # Bình and Chi joined in March
    assert h05.shown("numerator") == ""  # not filled: the denominator is not in the register
    assert "Sổ hội viên: 2" in h05.source  # An and Bình at 31/03
    page = response.content.decode()
    assert "Điền sẵn từ sổ hội viên: 2" in page


def test_a_typed_figure_that_differs_says_so(khanh_hoa, catalog) -> None:
    factories.member(khanh_hoa.ba_ngoi_branch, "Trần Thị Bình", joined_on=D(2025, 3, 3))
    client = Client()
    client.force_login(khanh_hoa.commune_officer)
    h04 = Indicator.objects.get(code="H-04")
    entry_post(
        client,
        reverse("indicators:entry_form", args=[khanh_hoa.ba_ngoi.pk, "CTH", "2025-03"]),
        {f"value-{khanh_hoa.ba_ngoi.pk}-{h04.pk}": "5"},
    )

    cell = _cell(_form(client, khanh_hoa.ba_ngoi), "H-04")

    assert cell.shown("value") == "5"
    assert cell.source == "Nguồn: nhập tay (sổ hội viên: 1)"


def test_a_commune_without_a_register_types_its_figures(khanh_hoa, catalog) -> None:
    client = Client()
    client.force_login(khanh_hoa.commune_officer)

    cell = _cell(_form(client, khanh_hoa.ba_ngoi), "H-04")

    assert (cell.shown("value"), cell.source) == ("", "")
