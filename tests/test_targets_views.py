"""The targets page /chi-tieu/<unit>/<program>/: scope, read-only for non-reviewers, the
"preview" helpers that save nothing, and the all-or-nothing save."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from indicators.catalogue import targets
from indicators.models import Indicator, Target
from tests import factories

pytestmark = pytest.mark.django_db
END_2025 = datetime.date(2025, 12, 31)


@pytest.fixture
def kh(khanh_hoa, catalog):
    Target.objects.create(
        unit=khanh_hoa.province,
        indicator=Indicator.objects.get(code="H-01"),
        period_end=END_2025,
        value=1100,
    )
    return khanh_hoa


def _url(unit, program: str = "CTH", period_end: str = "2025-12-31") -> str:
    return reverse("indicators:targets", args=[unit.pk, program]) + f"?het-ky={period_end}"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _cell(unit, code: str) -> str:
    return targets.cell_name(unit, Indicator.objects.get(code=code))


def test_reviewer_sees_the_parent_target_the_children_and_the_remainder(kh) -> None:
    response = _client(kh.province_reviewer).get(_url(kh.province))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Phường Ba Ngòi" in html and "Phường Nha Trang" in html
    assert 'id="parent-H-01">1.100<' in html
    assert 'id="remainder-H-01">1.100<' in html
    assert 'value="equal:H-01"' in html
    assert "thấp hơn chỉ tiêu của Tỉnh Khánh Hòa (1.100) là 1.100" in html


def test_period_end_defaults_to_the_phase_end_and_others_must_be_year_ends(kh) -> None:
    client = _client(kh.province_reviewer)

    default = client.get(reverse("indicators:targets", args=[kh.province.pk, "CTH"]))
    assert default.context["grid"].period_end == datetime.date(2026, 12, 31)
    assert client.get(_url(kh.province, period_end="2025-06-30")).status_code == 404
    assert client.get(_url(kh.province, period_end="2031-12-31")).status_code == 404


def test_a_reviewer_of_another_province_gets_404(kh) -> None:
    cao_bang_reviewer = factories.AssignmentFactory(
        unit=kh.cao_bang, role=Role.REVIEWER, user=factories.UserFactory(username="tinh.caobang")
    ).user
    client = _client(cao_bang_reviewer)

    assert client.get(_url(kh.province)).status_code == 404
    response = client.post(_url(kh.province), {_cell(kh.ba_ngoi, "H-01"): "5"})
    assert response.status_code == 404
    assert not Target.objects.filter(unit=kh.ba_ngoi).exists()


def test_a_commune_officer_reads_but_cannot_save(kh) -> None:
    client = _client(kh.commune_officer)

    page = client.get(_url(kh.ba_ngoi))
    assert page.status_code == 200 and 'id="read-only"' in page.content.decode()
    assert 'type="text"' not in page.content.decode()
    response = client.post(_url(kh.ba_ngoi), {_cell(kh.ba_ngoi_branch, "H-09"): "5"})
    assert response.status_code == 403
    assert not Target.objects.filter(unit=kh.ba_ngoi_branch).exists()
    assert client.get(_url(kh.province)).status_code == 404


def test_preview_equal_split_fills_the_column_and_saves_nothing(kh) -> None:
    response = _client(kh.province_reviewer).post(
        _url(kh.province),
        {_cell(kh.ba_ngoi, "H-01"): "", _cell(kh.ba_ngoi, "H-04"): "12", "preview": "equal:H-01"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="{_cell(kh.ba_ngoi, "H-01")}" value="550"' in html
    assert f'name="{_cell(kh.nha_trang, "H-01")}" value="550"' in html
    assert f'name="{_cell(kh.ba_ngoi, "H-04")}" value="12"' in html  # typed cells are kept
    assert 'id="remainder-H-01">0<' in html
    assert not Target.objects.exclude(unit=kh.province).exists()


def test_preview_without_a_parent_target_explains_why(kh) -> None:
    response = _client(kh.province_reviewer).post(_url(kh.province), {"preview": "equal:H-04"})

    assert response.status_code == 400
    assert "Tỉnh Khánh Hòa chưa có chỉ tiêu H-04 cho kỳ này" in response.content.decode()


def test_save_writes_every_cell_and_redirects(kh) -> None:
    client = _client(kh.province_reviewer)
    data = {_cell(kh.ba_ngoi, "H-01"): "600", _cell(kh.nha_trang, "H-01"): "500"}

    response = client.post(_url(kh.province), data)

    assert response.status_code == 302 and response.url == _url(kh.province)
    values = Target.objects.filter(indicator__code="H-01", period_end=END_2025)
    assert sorted(values.values_list("value", flat=True)) == [500, 600, 1100]
    assert 'id="remainder-H-01">0<' in client.get(response.url).content.decode()


def test_save_with_a_bad_cell_saves_nothing_and_marks_the_cell(kh) -> None:
    data = {_cell(kh.ba_ngoi, "H-01"): "600", _cell(kh.nha_trang, "H-01"): "-500"}

    response = _client(kh.province_reviewer).post(_url(kh.province), data)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Phường Nha Trang, chỉ tiêu H-01: kế hoạch không được âm" in html
    assert 'value="-500" aria-label="H-01 · Phường Nha Trang" aria-invalid="true"' in html
    assert Target.objects.filter(indicator__code="H-01").get().value == Decimal(1100)


def test_unit_page_links_to_targets_only_for_who_may_set_them(kh) -> None:
    link = 'id="targets-link"'
    reviewer_page = _client(kh.province_reviewer).get(
        reverse("home:unit_detail", args=[kh.province.pk])
    )
    officer_page = _client(kh.commune_officer).get(
        reverse("home:unit_detail", args=[kh.ba_ngoi.pk])
    )

    assert link in reviewer_page.content.decode()
    assert link not in officer_page.content.decode()
