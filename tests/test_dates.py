"""Days and months are typed and shown as dd/mm/yyyy and mm/yyyy whatever the browser's language
(issue 18: an English Chrome showed the activity date as 12/01/2026 for 1 December and the
dashboard's month as "November 2026"); ISO from old links is still read."""

import datetime
from pathlib import Path

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from common.dates import DayField, parse_day, parse_month_text
from reports.forms import MonthField

pytestmark = pytest.mark.django_db
D = datetime.date
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("05/11/2026", D(2026, 11, 5)),
        ("5/1/2026", D(2026, 1, 5)),
        (" 01/12/2026 ", D(2026, 12, 1)),
        ("2026-12-01", D(2026, 12, 1)),  # an old link
    ],
)
def test_a_day_is_read_as_day_month_year(text, day) -> None:
    assert parse_day(text) == day


@pytest.mark.parametrize(
    "text", ["31/02/2026", "12/13/2026", "2026/12/01", "01-12-2026", "01/12/26", "01/12/0001", ""]
)
def test_a_bad_day_is_refused(text) -> None:
    with pytest.raises(ValueError):
        parse_day(text)


@pytest.mark.parametrize(
    ("text", "month"),
    [("11/2026", D(2026, 11, 1)), ("1/2026", D(2026, 1, 1)), ("2026-11", D(2026, 11, 1))],
)
def test_a_month_is_read_as_month_year(text, month) -> None:
    assert parse_month_text(text) == month


@pytest.mark.parametrize("text", ["13/2026", "November 2026", "2026", "11/2026/1", ""])
def test_a_bad_month_is_refused(text) -> None:
    with pytest.raises(ValueError):
        parse_month_text(text)


class _DayForm(forms.Form):
    day = DayField()
    month = MonthField(required=False)


def test_the_fields_render_dd_mm_yyyy_as_text_with_a_pattern_and_say_a_bad_value_in_vietnamese():
    form = _DayForm(initial={"day": D(2026, 12, 1), "month": D(2026, 11, 1)})
    html = str(form["day"]) + str(form["month"])
    assert 'type="text"' in html and 'value="01/12/2026"' in html and 'value="11/2026"' in html
    assert 'placeholder="dd/mm/yyyy"' in html and 'placeholder="mm/yyyy"' in html
    assert "pattern=" in html and 'type="date"' not in html and 'type="month"' not in html

    bad = _DayForm({"day": "12/31/2026", "month": "13/2026"})
    assert not bad.is_valid()
    assert bad.errors["day"] == ["Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy, ví dụ 05/11/2026."]
    assert bad.errors["month"] == ["Tháng không hợp lệ: nhập theo dạng mm/yyyy, ví dụ 11/2026."]
    good = _DayForm({"day": "01/12/2026", "month": "11/2026"})
    assert good.is_valid() and good.cleaned_data == {"day": D(2026, 12, 1), "month": D(2026, 11, 1)}


def test_no_template_leaves_a_date_to_the_browsers_language() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert 'type="date"' not in text and 'type="month"' not in text, path


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_activity_form_shows_and_reads_dd_mm_yyyy(khanh_hoa, catalog) -> None:
    client = _client(khanh_hoa.commune_officer)

    page = client.get(reverse("programs:activity_add")).content.decode()

    today = timezone.localdate()
    assert f'value="{today:%d/%m/%Y}"' in page and 'placeholder="dd/mm/yyyy"' in page
    data = {
        "program": str(catalog_program("DA939")), "type": str(activity_type("tap_huan")),
        "title": "Lớp tập huấn", "starts_on": "31/12/2025", "unit": str(khanh_hoa.ba_ngoi.pk),
        "participants": "10", "participants_women": "9", "participants_minority": "0",
        "participants_over35": "3", "funding": "program",
    }  # fmt: skip
    refused = client.post(reverse("programs:activity_add"), data | {"starts_on": "12/31/2025"})
    assert "Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy" in refused.content.decode()
    client.post(reverse("programs:activity_add"), data)
    from programs.models import Activity

    assert Activity.objects.get().starts_on == D(2025, 12, 31)


def catalog_program(code: str) -> int:
    from programs.models import Program

    return Program.objects.get(code=code).pk


def activity_type(code: str) -> int:
    from programs.models import ActivityType

    return ActivityType.objects.get(code=code).pk


@pytest.mark.parametrize("thang", ["10/2025", "2025-10"])
def test_the_dashboard_month_is_mm_yyyy_from_either_form(khanh_hoa, catalog, thang) -> None:
    client = _client(khanh_hoa.province_reviewer)
    url = reverse("indicators:dashboard", args=[khanh_hoa.province.pk, "CTH"])

    page = client.get(url, {"thang": thang, "ky": "thang"}).content.decode()

    assert 'name="thang" value="10/2025"' in page


def test_a_bad_month_or_day_in_a_link_is_said_in_vietnamese(khanh_hoa, catalog) -> None:
    client = _client(khanh_hoa.province_reviewer)
    dashboard = reverse("indicators:dashboard", args=[khanh_hoa.province.pk, "CTH"])

    bad_month = client.get(dashboard, {"thang": "November 2026"})
    bad_day = client.get(reverse("members:register_figures"), {"tu": "2026-31-12"})

    assert bad_month.status_code == bad_day.status_code == 200
    assert "«November 2026» không phải là một tháng: nhập theo dạng mm/yyyy" in (
        bad_month.content.decode()
    )
    # The register's figures take months (a day of one from older links).
    assert "«2026-31-12» không phải là một tháng: nhập theo dạng mm/yyyy" in (
        bad_day.content.decode()
    )


def test_register_figures_show_months_and_the_unit_page_days_as_dd_mm_yyyy(khanh_hoa) -> None:
    client = _client(khanh_hoa.province_reviewer)

    figures = client.get(
        reverse("members:register_figures"), {"tu": "01/02/2025", "den": "2025-06-30"}
    )
    unit = client.get(
        reverse("home:unit_detail", args=[khanh_hoa.province.pk]), {"ngay": "31/12/2024"}
    )

    page = figures.content.decode()
    # The register's figures are by month: a day (either form, older links) gives its month.
    assert 'name="tu" value="02/2025"' in page and 'name="den" value="06/2025"' in page
    assert 'name="ngay" value="31/12/2024"' in unit.content.decode()
