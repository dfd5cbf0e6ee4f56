"""Across the 2025 reform, where a person sees it: a view inside a target's period is judged
against its pace, a write for a month in which the unit did not exist is refused with the
unit's dates and its successor or predecessors, the unit page lists its predecessors, and the
entry form's last month and same month last year read them."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from indicators.cycle import sheet as sheets
from indicators.cycle.entry import Entry, EntryError
from indicators.cycle.recording import check_results, record_results
from indicators.figures.base import Basis, Figure, Status
from indicators.figures.rules import rule_for
from indicators.models import Result, Rule
from members import lifespan
from members import selectors as member_selectors
from members.models import Level, Unit, UnitSuccession
from programs import services as activities
from tests import factories
from tests.entry_posts import entry_post

pytestmark = pytest.mark.django_db
D = datetime.date
OLD_END, REFORM = D(2025, 6, 30), D(2025, 7, 1)


@pytest.fixture
def reform() -> dict[str, Unit]:
    """Cao Bằng: Sông Hiến and Đề Thám merged whole into Thục Phán on 2025-07-01; Hòa Chung
    split between Thục Phán and Nùng Trí Cao."""
    province = factories.province("Tỉnh Cao Bằng", "04")

    def commune(name: str, code: str, **dates: D) -> Unit:
        return factories.UnitFactory(
            level=Level.COMMUNE, name=name, code=code, parent=province, **dates
        )

    units = {
        "province": province,
        "song_hien": commune("Phường Sông Hiến", "01273", valid_to=OLD_END),
        "de_tham": commune("Phường Đề Thám", "01279", valid_to=OLD_END),
        "hoa_chung": commune("Xã Hòa Chung", "01288", valid_to=OLD_END),
        "thuc_phan": commune("Phường Thục Phán", "01272", valid_from=REFORM),
        "nung_tri_cao": commune("Phường Nùng Trí Cao", "01290", valid_from=REFORM),
    }
    for old, new in [
        ("song_hien", "thuc_phan"), ("de_tham", "thuc_phan"),
        ("hoa_chung", "thuc_phan"), ("hoa_chung", "nung_tri_cao"),
    ]:  # fmt: skip
        UnitSuccession.objects.create(
            predecessor=units[old], successor=units[new], effective_on=REFORM
        )
    return units


# Sub-period views of a target: hand-computed paces.


def test_a_month_of_a_phase_target_is_measured_against_its_pace() -> None:
    """939-01, cumulative 2017–2025 (108 months), target 800. A view of May 2025 has a figure
    running from January 2017 to May 2025 (101 months): the pace is 800 x 101 / 108 =
    748.148…; 700 is 93.6% of it and behind; the whole target is in the label's title only."""
    rule = rule_for(factories.IndicatorFactory(rule=Rule.CUMULATIVE))
    figure = rule.judge(Figure(Decimal(700)), Decimal(800), D(2025, 12, 31), D(2025, 5, 1),
                        D(2025, 5, 1))  # fmt: skip

    pace = Decimal(800) * 101 / 108
    assert figure.basis == Basis.PACE
    assert figure.goal == pace == figure.expected_by_now
    assert figure.achievement == 100 * Decimal(700) / pace
    assert figure.target == 800
    assert figure.status == Status.BEHIND


def test_the_whole_phase_view_is_measured_against_the_whole_target() -> None:
    rule = rule_for(factories.IndicatorFactory(rule=Rule.CUMULATIVE))
    figure = rule.judge(Figure(Decimal(760)), Decimal(800), D(2025, 12, 31), D(2025, 5, 1),
                        D(2017, 1, 1))  # fmt: skip

    assert figure.basis == Basis.TARGET and figure.goal == 800
    assert figure.achievement == Decimal(95)  # 760 / 800
    assert figure.status == Status.ON_TRACK  # 760 ≥ 748.1… due by May 2025


def test_a_month_of_a_yearly_sum_is_a_twelfth_of_the_year() -> None:
    """A yearly target of 1,200: the month of May asks for 100 (one month of twelve), not the
    500 due by May; 35 is 35% of it. The year to date (January–May) asks for 500."""
    rule = rule_for(factories.IndicatorFactory(code="H-01", rule=Rule.SUM))
    may = rule.judge(Figure(Decimal(35)), Decimal(1200), D(2025, 12, 31), D(2025, 5, 1),
                     D(2025, 5, 1))  # fmt: skip
    to_may = rule.judge(Figure(Decimal(520)), Decimal(1200), D(2025, 12, 31), D(2025, 5, 1),
                        D(2025, 1, 1))  # fmt: skip
    quarter = rule.judge(Figure(Decimal(300)), Decimal(1200), D(2025, 12, 31), D(2025, 6, 1),
                         D(2025, 4, 1))  # fmt: skip

    assert (may.basis, may.goal, may.achievement) == (Basis.PACE, 100, 35)
    assert may.status == Status.BEHIND
    assert (to_may.basis, to_may.goal, to_may.expected_by_now) == (Basis.TARGET, 1200, 500)
    assert to_may.status == Status.ON_TRACK  # 520 ≥ 500
    assert (quarter.goal, quarter.achievement, quarter.status) == (300, 100, Status.ON_TRACK)


def test_a_stock_is_measured_against_the_level_to_reach() -> None:
    rule = rule_for(factories.IndicatorFactory(code="H-05", rule=Rule.STOCK))
    figure = rule.judge(Figure(Decimal(90)), Decimal(120), D(2025, 12, 31), D(2025, 5, 1),
                        D(2025, 5, 1))  # fmt: skip

    assert (figure.basis, figure.goal, figure.achievement) == (Basis.LEVEL, 120, 75)
    assert figure.status == Status.BEHIND


def test_the_dashboard_cell_says_what_it_compares_with() -> None:
    from indicators.templatetags.dashboard import comparison, figure_cells

    rule = rule_for(factories.IndicatorFactory(code="H-01", rule=Rule.SUM))
    may = rule.judge(Figure(Decimal(35)), Decimal(1200), D(2025, 12, 31), D(2025, 5, 1),
                     D(2025, 5, 1))  # fmt: skip

    assert comparison(may) == "theo tiến độ: 35 / 100 (35%); kế hoạch 1.200 đến 12/2025"
    assert "theo tiến độ</span> 100</td>" in figure_cells([may])


def test_a_figure_without_a_start_is_the_whole_target() -> None:
    """Every figure is judged by the same rule (there is no "unpaced" judge left): only a view
    that does not say where it starts (a caller with no range) is compared with the whole
    target."""
    rule = rule_for(factories.IndicatorFactory(rule=Rule.CUMULATIVE))
    figure = rule.judge(Figure(Decimal(700)), Decimal(800), D(2025, 12, 31), D(2025, 5, 1))

    assert (figure.basis, figure.goal, figure.achievement) == (Basis.TARGET, 800, Decimal("87.5"))


# Writes refuse a month in which the unit did not exist.


def _entry(unit: Unit, month: D, value: int) -> Entry:
    entry = Entry(unit, factories.IndicatorFactory(code="H-01", rule=Rule.SUM), month)
    entry.value = Decimal(value)
    return entry


def test_the_writer_refuses_an_old_commune_after_the_reform(reform) -> None:
    with pytest.raises(EntryError) as refused:
        record_results([_entry(reform["song_hien"], D(2025, 8, 1), 5)])

    assert str(refused.value) == (
        "Phường Sông Hiến không tồn tại vào tháng 08/2025 (đơn vị có hiệu lực đến 30/06/2025); "
        "đã sáp nhập vào Phường Thục Phán (01272)"
    )
    assert not Result.objects.exists()


def test_the_writer_refuses_a_new_commune_before_it_existed(reform) -> None:
    problems = check_results([_entry(reform["thuc_phan"], D(2025, 6, 1), 5)])

    assert [p.message for p in problems] == [
        "Phường Thục Phán không tồn tại vào tháng 06/2025 (đơn vị có hiệu lực từ 01/07/2025); "
        "số liệu trước đó ghi cho đơn vị cũ: Phường Sông Hiến (01273), Phường Đề Thám (01279), "
        "Xã Hòa Chung (01288)"
    ]


def test_the_writer_takes_the_months_the_unit_existed(reform) -> None:
    record_results([_entry(reform["song_hien"], D(2025, 6, 1), 5)])
    record_results([_entry(reform["thuc_phan"], D(2025, 7, 1), 7)])

    assert Result.objects.count() == 2


def test_an_activity_outside_the_units_life_is_refused(reform) -> None:
    errors = activities._life_errors(reform["song_hien"], D(2025, 7, 15), None)
    ends_late = activities._life_errors(reform["song_hien"], D(2025, 6, 28), D(2025, 7, 2))

    assert errors == {
        "unit": "Phường Sông Hiến không tồn tại vào 15/07/2025 (đơn vị có hiệu lực đến "
        "30/06/2025); đã sáp nhập vào Phường Thục Phán (01272)"
    }
    assert "02/07/2025" in ends_late["unit"]
    assert activities._life_errors(reform["song_hien"], D(2025, 6, 28), D(2025, 6, 30)) == {}


def test_the_entry_form_refuses_a_month_before_the_commune_existed(reform) -> None:
    indicator = factories.IndicatorFactory(code="H-01", rule=Rule.SUM)
    user = factories.UserFactory(username="tinh.caobang", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(user)
    unit = reform["thuc_phan"]
    url = reverse("indicators:entry_form", args=[unit.pk, indicator.program.code, "2025-06"])

    response = entry_post(client, url, {f"value-{unit.pk}-{indicator.pk}": "4"})

    assert "Phường Thục Phán không tồn tại vào tháng 06/2025" in response.content.decode()
    assert not Result.objects.exists()


def _entry_page(reform, unit: str, month: str) -> str:
    indicator = factories.IndicatorFactory(code="H-01", rule=Rule.SUM)
    assignment = factories.AssignmentFactory(unit=reform["province"])  # may enter every commune
    client = Client()
    client.force_login(assignment.user)
    url = reverse("indicators:entry_form", args=[reform[unit].pk, indicator.program.code, month])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_form_of_a_month_before_the_commune_existed_is_read_only(reform) -> None:
    page = _entry_page(reform, "thuc_phan", "2025-06")

    notice = page[page.index('id="not-in-month"') :]
    notice = notice[: notice.index("</section>")]
    assert (
        "Phường Thục Phán không tồn tại vào tháng 06/2025 (đơn vị có hiệu lực từ 01/07/2025); "
        "số liệu trước đó ghi cho đơn vị cũ: Phường Sông Hiến (01273)"
    ) in notice
    assert "Trang này chỉ để xem" in notice
    for old in ("song_hien", "de_tham", "hoa_chung"):  # where June 2025 is entered instead
        form = reverse("indicators:entry_form", args=[reform[old].pk, "DA939", "2025-06"])
        assert f'href="{form}"' in notice
    assert "Lưu số liệu tháng" not in page and "Lưu và gửi duyệt" not in page
    inputs = re.findall(r'<input type="text"[^>]*>', page)
    assert inputs and all("disabled" in tag for tag in inputs)


def test_the_form_of_a_month_after_the_commune_ended_names_its_successor(reform) -> None:
    page = _entry_page(reform, "hoa_chung", "2025-08")

    assert "Xã Hòa Chung không tồn tại vào tháng 08/2025" in page
    assert "đã sáp nhập vào Phường" in page
    assert "Phường Nùng Trí Cao (01290)" in page and "Phường Thục Phán (01272)" in page
    for new in ("nung_tri_cao", "thuc_phan"):
        form = reverse("indicators:entry_form", args=[reform[new].pk, "DA939", "2025-08"])
        assert f'href="{form}"' in page
    assert "Lưu số liệu tháng" not in page


def test_the_form_of_a_month_the_commune_existed_can_be_saved(reform) -> None:
    page = _entry_page(reform, "thuc_phan", "2025-07")

    assert 'id="not-in-month"' not in page
    assert "Lưu số liệu tháng" in page


# The lineage where a person sees it.


def test_predecessors_are_whole_or_split(reform) -> None:
    found = {p.unit.code: p.whole for p in lifespan.predecessors_of(reform["thuc_phan"])}

    assert found == {"01273": True, "01279": True, "01288": False}
    assert [u.code for u in lifespan.lineage(reform["thuc_phan"])] == ["01273", "01279"]


def test_last_month_and_last_year_read_the_predecessors(reform) -> None:
    """Thục Phán's July 2025 form: June is before it existed, so last month is Sông Hiến's 4
    plus Đề Thám's 6 (Hòa Chung, split, is not its history); July 2024 likewise 3 + 2."""
    indicator = factories.IndicatorFactory(code="H-01", rule=Rule.SUM)
    for unit, month, value in [
        ("song_hien", D(2025, 6, 1), 4), ("de_tham", D(2025, 6, 1), 6),
        ("hoa_chung", D(2025, 6, 1), 100), ("song_hien", D(2024, 7, 1), 3),
        ("de_tham", D(2024, 7, 1), 2),
    ]:  # fmt: skip
        Result.objects.create(unit=reform[unit], indicator=indicator, month=month, value=value)

    last = sheets.lineage_results(reform["thuc_phan"], [indicator], D(2025, 6, 1))
    year = sheets.lineage_results(reform["thuc_phan"], [indicator], D(2024, 7, 1))

    assert last[indicator.pk].value == 10
    assert year[indicator.pk].value == 5


def test_the_unit_page_lists_the_predecessors_with_their_figures(reform) -> None:
    indicator = factories.IndicatorFactory(code="H-01", rule=Rule.SUM)
    Result.objects.create(unit=reform["song_hien"], indicator=indicator, month=D(2025, 3, 1),
                          value=4)  # fmt: skip
    user = factories.UserFactory(username="tinh.caobang", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(user)

    url = reverse("home:unit_detail", args=[reform["thuc_phan"].pk])
    page = client.get(url, {"ngay": "2025-09-30", "ct": indicator.program.code}).content.decode()

    section = page.split('id="predecessors"')[1].split("</section>")[0]
    assert "Phường Sông Hiến" in section and "01273" in section
    assert "nhập trọn, 01/07/2025" in section
    assert "chia tách, 01/07/2025" in section and "Phường Nùng Trí Cao" in section
    row = section.split('data-unit="01273"')[1].split("</tr>")[0]
    assert '<td class="num value">4</td>' in row


def test_the_links_in_and_out_of_a_unit_in_one_query(reform, django_assert_num_queries) -> None:
    """The home page names a unit's old and new units from one query, as the two did."""
    for unit in reform.values():
        with django_assert_num_queries(1):
            olds, news = member_selectors.predecessors_and_successors(unit)
        assert olds == list(member_selectors.predecessors(unit))
        assert news == list(member_selectors.successors(unit))
    olds, _news = member_selectors.predecessors_and_successors(reform["thuc_phan"])
    assert len(olds) == 3  # ordered by name as the database orders names


def test_with_a_day_the_links_are_those_of_the_query_and_follow_the_map(reform) -> None:
    """A unit's links with a page's day (whether it has any kept with its lineage) are those
    read without; a link added later is seen at once (the map's version changes)."""
    day = D(2025, 9, 30)
    for unit in reform.values():
        assert member_selectors.predecessors_and_successors(
            unit, day
        ) == member_selectors.predecessors_and_successors(unit)
    province = Unit.objects.get(pk=reform["province"].pk)
    assert member_selectors.predecessors_and_successors(province, day) == ([], [])
    old = factories.province("Tỉnh Cũ", "99")
    UnitSuccession.objects.create(predecessor=old, successor=province, effective_on=REFORM)

    fresh = Unit.objects.get(pk=province.pk)  # the next page's unit object
    assert member_selectors.predecessors_and_successors(fresh, day) == ([old], [])
