"""The target dashboard of Khánh Hòa: cells equal the engine's, scope, remembered columns,
Excel export, and a value saved a second ago."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from indicators.cycle.entry import Entry
from indicators.cycle.recording import record_results
from indicators.figures import dashboard
from indicators.figures.engine import figure
from indicators.models import Indicator, Target
from programs.models import Program
from tests import factories

pytestmark = pytest.mark.django_db
SEP, OCT = datetime.date(2025, 9, 1), datetime.date(2025, 10, 1)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(unit, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("indicators:dashboard", args=[unit.pk, "CTH"]) + ("?" + query if query else "")


@pytest.fixture
def october(khanh_hoa, catalog):
    h01 = Indicator.objects.get(code="H-01")
    record_results(
        [
            Entry(khanh_hoa.ba_ngoi, h01, SEP, value=Decimal(40)),
            Entry(khanh_hoa.ba_ngoi, h01, OCT, value=Decimal(20)),
            Entry(khanh_hoa.nha_trang, h01, OCT, value=Decimal(5)),
        ]
    )
    Target.objects.create(
        unit=khanh_hoa.ba_ngoi, indicator=h01, period_end=datetime.date(2025, 12, 31), value=60
    )
    return khanh_hoa


def test_period_ranges() -> None:
    program = Program(code="DA939", start_year=2017, end_year=2025)

    assert dashboard.period_range(program, "thang", OCT) == (OCT, OCT)
    assert dashboard.period_range(program, "luy-ke", OCT) == (datetime.date(2025, 1, 1), OCT)
    assert dashboard.period_range(program, "nam", datetime.date(2024, 3, 1)) == (
        datetime.date(2024, 1, 1),
        datetime.date(2024, 12, 1),
    )
    assert dashboard.period_range(program, "giai-doan", OCT) == (
        datetime.date(2017, 1, 1),
        datetime.date(2025, 12, 1),
    )


def test_cells_are_the_engines_figures(october) -> None:
    h01 = Indicator.objects.get(code="H-01")
    program = Program.objects.get(code="CTH")

    board = dashboard.build(october.province, program, [h01], "luy-ke", OCT)

    rows = {row.unit.name: row.figures[0] for row in board.rows}
    ba_ngoi = rows["Phường Ba Ngòi"]
    # 40 + 20 = 60 of a target of 60: achieved.
    assert (ba_ngoi.value, ba_ngoi.target, ba_ngoi.achievement, ba_ngoi.status) == (
        60,
        60,
        100,
        "achieved",
    )
    assert rows["Phường Nha Trang"].value == 5
    start = datetime.date(2025, 1, 1)
    assert board.total.figures[0].value == figure(h01, october.province, start, OCT).value == 65


def test_the_page_shows_the_table_and_a_value_saved_a_second_ago(october) -> None:
    client = client_for(october.province_reviewer)
    page = client.get(url(october.province, thang="2025-10", chi_tieu="H-01"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Phường Ba Ngòi" in text and "✔ 100%" in text and "<svg" in text

    record_results(
        [Entry(october.nha_trang, Indicator.objects.get(code="H-01"), OCT, value=Decimal(9))]
    )
    again = client.get(url(october.province, thang="2025-10", ky="thang")).content.decode()

    row = again.split('data-unit="22333"')[1].split("</tr>")[0]
    assert ">9<" in row  # Nha Trang's October, just changed from 5


def test_another_provinces_unit_is_404_and_an_officer_sees_only_their_commune(october) -> None:
    outsider = factories.AssignmentFactory(
        user=factories.UserFactory(username="tinh.caobang"), unit=october.cao_bang
    ).user

    assert client_for(outsider).get(url(october.province)).status_code == 404
    officer = client_for(october.commune_officer)
    assert officer.get(url(october.province)).status_code == 404
    assert officer.get(url(october.ba_ngoi)).status_code == 200


def test_the_chosen_columns_are_remembered(october) -> None:
    client = client_for(october.province_reviewer)
    client.get(url(october.province) + "?chi_tieu=H-04&chi_tieu=H-01")

    page = client.get(url(october.province)).content.decode()

    assert 'value="H-01" checked' in page and 'value="H-04" checked' in page
    assert 'value="H-02" checked' not in page


def test_the_same_columns_again_write_nothing_and_a_new_pick_is_remembered(october) -> None:
    client = client_for(october.province_reviewer)
    picked = url(october.province) + "?chi_tieu=H-04&chi_tieu=H-01"
    client.get(picked)
    executed: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):  # a request resets the debug query log
        client.get(picked)
    client.get(url(october.province) + "?chi_tieu=H-02")
    page = client.get(url(october.province)).content.decode()

    choice = [sql for sql in executed if "indicators_dashboardchoice" in sql]
    assert choice and not [q for q in choice if not q.startswith("SELECT") or "FOR UPDATE" in q]
    assert 'value="H-02" checked' in page and 'value="H-01" checked' not in page


def test_excel_export_has_the_figures_and_no_formulas(october) -> None:
    october.nha_trang.name = '=HYPERLINK("http://x")'
    october.nha_trang.save()
    client = client_for(october.province_reviewer)

    response = client.get(url(october.province, thang="2025-10", chi_tieu="H-01", xuat="xlsx"))

    sheet = load_workbook(BytesIO(response.content)).active
    rows = {row[1]: row for row in sheet.iter_rows(min_row=6, values_only=True)}
    assert rows["Phường Ba Ngòi"][2:5] == (60, 60, 1)  # target, actual, 100%
    assert '\'=HYPERLINK("http://x")' in rows
    assert rows["Tỉnh Khánh Hòa"][3] == 65
    assert sheet["C5"].value == "Kế hoạch"


def test_the_trend_from_month_totals_equals_the_engine_month_by_month(october) -> None:
    h01 = Indicator.objects.get(code="H-01")
    start = datetime.date(2025, 1, 1)

    points, yearly = dashboard.trend(h01, october.province, start, OCT)

    assert not yearly and len(points) == 10
    for month, got in points:
        alone = figure(h01, october.province, start, month)
        assert (got.value, got.target, got.status) == (alone.value, alone.target, alone.status)
    assert [p.value for _m, p in points][-3:] == [None, 40, 65]


def test_a_legacy_period_total_is_marked_on_the_trend(october) -> None:
    """A half-year's figure from a legacy file sits on June and covers six months: the trend
    draws it as a square and the page says which months hold period totals."""
    from indicators.cycle.bulk import LoadedEntry

    h01 = Indicator.objects.get(code="H-01")
    june = datetime.date(2025, 6, 1)
    record_results(
        [LoadedEntry(october.nha_trang, h01, june, Decimal(12), covers_months=6)],
        source="import",
        checked=True,
    )

    assert dashboard.period_totals(h01, october.province, datetime.date(2025, 1, 1), OCT) == {
        june: 6
    }
    page = client_for(october.province_reviewer).get(
        url(october.province, thang="2025-10", chi_tieu="H-01", bieu_do="H-01")
    )
    text = page.content.decode()
    assert 'class="dot period"' in text and "tổng của 6 tháng" in text
    assert "06/2025 (6 tháng)" in text.split('id="period-totals"')[1]
    # Ba Ngòi has none of its own.
    assert dashboard.period_totals(h01, october.ba_ngoi, datetime.date(2025, 1, 1), OCT) == {}
