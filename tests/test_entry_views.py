import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.periods import previous_month
from indicators.cycle.entry import history_peaks
from indicators.figures import engine
from indicators.figures.table import targets_of_many
from indicators.models import EntryDraft, Indicator, Result, Target
from tests import factories
from tests.entry_posts import entry_post

pytestmark = pytest.mark.django_db
MONTH = "2025-10"


@pytest.fixture
def officer(khanh_hoa, catalog) -> Client:
    client = Client()
    client.force_login(khanh_hoa.commune_officer)
    return client


def form_url(unit, program: str = "CTH", month: str = MONTH) -> str:
    return reverse("indicators:entry_form", args=[unit.pk, program, month])


def field(unit, code: str, part: str = "value") -> str:
    return f"{part}-{unit.pk}-{Indicator.objects.get(code=code).pk}"


def test_entry_start_opens_the_officers_commune_for_the_month_just_ended(officer, khanh_hoa):
    response = officer.get(reverse("indicators:entry_start"))

    month = previous_month()
    assert response.status_code == 302
    assert f"/nhap-lieu/{khanh_hoa.ba_ngoi.pk}/" in response["Location"]
    assert response["Location"].endswith(f"{month:%Y-%m}/")


def test_form_of_another_commune_is_404(officer, khanh_hoa):
    assert officer.get(form_url(khanh_hoa.nha_trang)).status_code == 404
    assert officer.get(form_url(khanh_hoa.thuc_phan)).status_code == 404
    missing = reverse("indicators:entry_form", args=[999_999, "CTH", MONTH])  # no such unit
    assert officer.get(missing).status_code == 404
    # A save posted to another province's commune is refused the same way, nothing written.
    posted = officer.post(form_url(khanh_hoa.thuc_phan), {field(khanh_hoa.thuc_phan, "H-01"): "5"})
    assert posted.status_code == 404 and not Result.objects.exists()


def test_the_entry_start_never_opens_another_communes_form(officer, khanh_hoa):
    """?unit= names a commune of another province: the officer's own commune's form, as for a
    unit that is no number."""
    response = officer.get(reverse("indicators:entry_start"), {"unit": khanh_hoa.thuc_phan.pk})

    assert response.status_code == 302
    assert f"/nhap-lieu/{khanh_hoa.ba_ngoi.pk}/" in response["Location"]


def test_form_for_a_branch_or_a_bad_month_is_404(officer, khanh_hoa):
    assert officer.get(form_url(khanh_hoa.ba_ngoi_branch)).status_code == 404
    assert officer.get(form_url(khanh_hoa.ba_ngoi, month="2025-13")).status_code == 404


def test_form_shows_commune_indicators_and_the_branch_grid(officer, khanh_hoa):
    page = officer.get(form_url(khanh_hoa.ba_ngoi)).content.decode()

    assert "H-01" in page and "H-17" in page
    assert "H-06" not in page.split("entry-form")[1]  # coverage is computed, not asked
    assert "Chi hội Thôn 1" in page and field(khanh_hoa.ba_ngoi_branch, "H-09") in page


def test_vietnamese_numbers_are_saved(officer, khanh_hoa):
    data = {
        field(khanh_hoa.ba_ngoi, "H-04"): "2.238",
        field(khanh_hoa.ba_ngoi, "H-05", "numerator"): "705",
        field(khanh_hoa.ba_ngoi, "H-05", "denominator"): "1.000",
        field(khanh_hoa.ba_ngoi_branch, "H-09"): "7",
    }

    response = entry_post(officer, form_url(khanh_hoa.ba_ngoi), data)

    assert response.status_code == 302
    assert Result.objects.get(indicator__code="H-04").value == Decimal(2238)
    rate = Result.objects.get(indicator__code="H-05")
    assert (rate.numerator, rate.denominator) == (Decimal(705), Decimal(1000))
    assert Result.objects.get(indicator__code="H-09").unit == khanh_hoa.ba_ngoi_branch


def test_a_refused_save_lists_every_error_keeps_the_typing_and_writes_nothing(officer, khanh_hoa):
    data = {
        field(khanh_hoa.ba_ngoi, "H-01"): "5",
        field(khanh_hoa.ba_ngoi, "H-11"): "10",
        field(khanh_hoa.ba_ngoi, "H-12"): "12",
        field(khanh_hoa.ba_ngoi, "H-04"): "mười",
    }

    response = entry_post(officer, form_url(khanh_hoa.ba_ngoi), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Chưa lưu: 2 lỗi cần sửa" in page
    assert "«mười» không phải là số" in page
    assert "H-12: «trong đó» (12) lớn hơn tổng H-11 (10)" in page
    assert 'value="mười"' in page
    assert not Result.objects.exists()


def test_saved_month_shows_last_month_and_year_to_date(officer, khanh_hoa):
    url = form_url(khanh_hoa.ba_ngoi, month="2025-09")
    entry_post(officer, url, {field(khanh_hoa.ba_ngoi, "H-01"): "4"})
    entry_post(officer, form_url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "6"})

    page = officer.get(form_url(khanh_hoa.ba_ngoi)).content.decode()
    row = page.split("H-01</span>")[1].split("</tr>")[0]

    assert 'value="6"' in row and ">4<" in row and ">10<" in row


def test_the_province_figure_follows_a_save(officer, khanh_hoa):
    h01 = Indicator.objects.get(code="H-01")
    month = datetime.date(2025, 10, 1)

    entry_post(officer, form_url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "6"})

    assert engine.figure(h01, khanh_hoa.province, month, month).value == Decimal(6)


def test_reviewer_sees_the_form_read_only_and_cannot_post(khanh_hoa, catalog):
    client = Client()
    client.force_login(khanh_hoa.province_reviewer)

    page = client.get(form_url(khanh_hoa.ba_ngoi)).content.decode()
    response = entry_post(
        client, form_url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "1"}
    )

    assert "Bạn chỉ được xem" in page and "disabled" in page
    assert response.status_code == 403 and not Result.objects.exists()


def test_draft_keeps_typing_until_the_month_is_saved(officer, khanh_hoa):
    name = field(khanh_hoa.ba_ngoi, "H-01")
    draft_url = reverse("indicators:entry_draft", args=[khanh_hoa.ba_ngoi.pk, "CTH", MONTH])

    saved = officer.post(draft_url, {name: "-5"})  # invalid values are kept too
    page = officer.get(form_url(khanh_hoa.ba_ngoi)).content.decode()

    assert saved.status_code == 200 and "saved_at" in saved.json()
    assert "bản nháp" in page and 'value="-5"' in page
    entry_post(officer, form_url(khanh_hoa.ba_ngoi), {name: "5"})
    assert not EntryDraft.objects.exists()


def test_draft_of_another_commune_is_refused(officer, khanh_hoa):
    url = reverse("indicators:entry_draft", args=[khanh_hoa.nha_trang.pk, "CTH", MONTH])

    assert officer.post(url, {}).status_code == 404


def test_every_error_of_the_form_comes_in_the_first_answer_with_its_field_marked(
    officer, khanh_hoa
):
    """Issue 18: a breakdown above its total was reported only on the next save when another
    field had an error (a negative value)."""
    commune = khanh_hoa.ba_ngoi
    data = {
        field(commune, "H-01"): "-3",
        field(commune, "H-04"): "mười",
        field(commune, "H-05", "numerator"): "800",
        field(commune, "H-05", "denominator"): "100",
        field(commune, "H-11"): "10",
        field(commune, "H-12"): "12",
    }

    response = entry_post(officer, form_url(commune), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Chưa lưu: 4 lỗi cần sửa" in page
    assert "H-01: không được âm" in page
    assert "«mười» không phải là số" in page
    assert "tử số (800) lớn hơn mẫu số (100)" in page
    assert "H-12: «trong đó» (12) lớn hơn tổng H-11 (10)" in page
    marked = [
        field(commune, "H-01"),
        field(commune, "H-04"),
        field(commune, "H-05", "numerator"),
        field(commune, "H-12"),
    ]
    for name in marked:
        before = page.split(f'name="{name}"')[0]
        assert before[before.rindex('<span class="field') :].startswith(
            '<span class="field has-error"'
        ), name
    assert not Result.objects.exists()


def test_the_grid_escapes_what_it_shows(officer, khanh_hoa):
    """The grid is written in Python (indicators/templatetags/entry_grid.py): a draft's typed
    text, a unit's and an indicator's names are escaped as the template escaped them."""
    name = field(khanh_hoa.ba_ngoi, "H-01")
    draft_url = reverse("indicators:entry_draft", args=[khanh_hoa.ba_ngoi.pk, "CTH", MONTH])
    officer.post(draft_url, {name: '"><script>x</script>'})
    khanh_hoa.ba_ngoi_branch.name = "Chi hội <b>&</b>"
    khanh_hoa.ba_ngoi_branch.save()
    Indicator.objects.filter(code="H-09").update(name_vi='Số "hộ" <i>')

    page = officer.get(form_url(khanh_hoa.ba_ngoi)).content.decode()

    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in page
    assert "<script>x" not in page
    assert "Chi hội &lt;b&gt;&amp;&lt;/b&gt;" in page and "<b>&</b>" not in page
    assert 'aria-label="Số &quot;hộ&quot; &lt;i&gt; · Chi hội &lt;b&gt;&amp;&lt;/b&gt;"' in page


def test_the_fields_carry_the_peaks_of_the_twelve_months_before(officer, khanh_hoa):
    """data-peak (the browser's "unusually high" warning) is history_peaks' answer: the highest
    monthly value of the twelve months before, where there are three of them at least; a
    year's total (covers 12) and a month older than twelve are not counted."""
    commune, branch = khanh_hoa.ba_ngoi, khanh_hoa.ba_ngoi_branch
    h01, h02, h09 = (Indicator.objects.get(code=code) for code in ("H-01", "H-02", "H-09"))
    rows = [
        (commune, h01, "2024-09", 90, 1),  # thirteen months before: not counted
        (commune, h01, "2024-10", 7, 1),
        (commune, h01, "2025-01", 9, 1),
        (commune, h01, "2025-06", 500, 12),  # a year's total
        (commune, h01, "2025-09", 5, 1),
        (commune, h02, "2025-08", 3, 1),  # two months: too little history
        (commune, h02, "2025-09", 4, 1),
        (branch, h09, "2025-03", 2, 1),
        (branch, h09, "2025-05", 8, 1),
        (branch, h09, "2025-07", 6, 1),
    ]
    for unit, indicator, month, value, covers in rows:
        Result.objects.create(
            unit=unit, indicator=indicator, month=datetime.date.fromisoformat(f"{month}-01"),
            value=value, covers_months=covers,
        )  # fmt: skip

    page = officer.get(form_url(commune)).content.decode()

    def peak(unit, code: str) -> str | None:
        attributes = page.split(f'name="{field(unit, code)}"')[1].split(">")[0]
        return (
            attributes.split('data-peak="')[1].split('"')[0] if "data-peak" in attributes else None
        )

    expected = history_peaks([commune, branch], [h01, h02, h09], datetime.date(2025, 10, 1))
    assert expected == {(commune.pk, h01.pk): Decimal(9), (branch.pk, h09.pk): Decimal(8)}
    assert (peak(commune, "H-01"), peak(commune, "H-02"), peak(branch, "H-09")) == (
        "9.00",
        None,
        "8.00",
    )


def test_the_forms_targets_are_those_of_targets_of_many(khanh_hoa, catalog):
    """targets_of_many of one unit with its children read (the form's one query) answers as
    the general two queries: the commune's own target of the nearest period end (a flow's
    only in the year), else the sum of the branches' valid at the month's end; an ended
    branch's target is not added."""
    commune, branch = khanh_hoa.ba_ngoi, khanh_hoa.ba_ngoi_branch
    ended = factories.branch(commune, 2)
    ended.valid_to = datetime.date(2025, 6, 30)
    ended.save()
    second = factories.branch(commune, 3)
    codes = ("H-01", "H-02", "H-04", "H-05", "H-07", "H-09")
    h01, h02, h04, h05, h07, h09 = (Indicator.objects.get(code=code) for code in codes)
    rows = [
        (commune, h01, "2025-12-31", 40), (commune, h01, "2026-12-31", 90),
        (branch, h01, "2025-12-31", 7),  # the commune's own target wins
        (branch, h02, "2025-12-31", 3), (second, h02, "2025-12-31", 4),
        (ended, h02, "2025-12-31", 100), (branch, h02, "2026-12-31", 50),
        (commune, h04, "2026-12-31", 12),  # a flow: another year's does not apply
        (branch, h05, "2025-12-31", 60), (commune, h05, "2026-06-30", 70),  # a rate: not added
        (branch, h07, "2026-12-31", 8), (second, h07, "2026-12-31", 9),  # a stock: any year
        (second, h07, "2027-12-31", 1),
        (branch, h09, "2025-12-31", 5), (second, h09, "2025-12-31", 6),
    ]  # fmt: skip
    for unit, indicator, period_end, value in rows:
        Target.objects.create(
            unit=unit, indicator=indicator, value=value,
            period_end=datetime.date.fromisoformat(period_end),
        )  # fmt: skip
    indicators = list(Indicator.objects.filter(code__in=codes))
    children = list(commune.children.all())
    month = datetime.date(2025, 10, 1)

    with CaptureQueriesContext(connection) as one_query:
        found = targets_of_many(indicators, [commune], month, children=children)

    assert len(one_query) == 1
    assert found == targets_of_many(indicators, [commune], month)  # the general case's answer
    by_indicator = {ind: target for (ind, _unit), target in found.items()}
    assert {i.code: by_indicator[i.pk][0] for i in indicators if i.pk in by_indicator} == {
        "H-01": 40, "H-02": 7, "H-05": 70, "H-07": 17, "H-09": 11,
    }  # fmt: skip


def test_the_branch_grid_shows_each_branchs_year_to_date(officer, khanh_hoa):
    branch = khanh_hoa.ba_ngoi_branch
    other = factories.branch(khanh_hoa.ba_ngoi, 2)
    h09 = Indicator.objects.get(code="H-09")
    for unit, month, value in [
        (branch, "2024-12", 50), (branch, "2025-02", 3), (branch, "2025-09", 4),
        (other, "2025-10", 6),
    ]:  # fmt: skip
        Result.objects.create(
            unit=unit, indicator=h09, month=datetime.date.fromisoformat(f"{month}-01"), value=value
        )

    page = officer.get(form_url(khanh_hoa.ba_ngoi)).content.decode()

    def year_to_date(unit) -> str:
        cell = page.split(f'name="{field(unit, "H-09")}"')[1].split("</td>")[0]
        return cell.split("Từ đầu năm: ")[1].split("<")[0]

    assert (year_to_date(branch), year_to_date(other)) == ("7", "6")
