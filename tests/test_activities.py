"""Activities and the indicators derived from them: the figures equal the count (or sum) of the
matching activities for a small tree and a range, a province-run activity counts for the
province and never for its communes, edits and deletes move the figures, and the history says
"activities"."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from indicators.figures import engine, totals
from indicators.figures.table import figures_with_total
from indicators.models import Indicator, MonthTotal, Result
from members.models import UnitSuccession
from programs.models import Activity, ActivityType, Program
from programs.services import delete_activity, save_activity
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date
SEP, OCT, NOV = D(2025, 9, 1), D(2025, 10, 1), D(2025, 11, 1)


def ind(code: str) -> Indicator:
    return Indicator.objects.select_related("program").get(code=code)


def add(user, unit, day: datetime.date, kind: str = "tap_huan", program: str = "DA939", **more):
    values = {
        "program": Program.objects.get(code=program),
        "unit": unit,
        "type": ActivityType.objects.get(code=kind),
        "title": f"Lớp tập huấn khởi nghiệp {day:%d/%m}",
        "starts_on": day,
        "ends_on": None,
        "participants": 40,
        "participants_women": 35,
        "participants_minority": 5,
        "participants_over35": 20,
    } | more
    return save_activity(user=user, values=values)


@pytest.fixture
def province_officer(khanh_hoa):
    return factories.AssignmentFactory(
        user=factories.UserFactory(username="nhaplieu.khanhhoa"),
        unit=khanh_hoa.province,
        role=Role.ENTRY,
    ).user


def value(indicator: Indicator, unit, start=SEP, end=NOV) -> Decimal | None:
    return engine.figure(indicator, unit, start, end).value


def test_derived_figures_count_the_matching_activities_of_the_tree(
    khanh_hoa, catalog, province_officer
) -> None:
    officer = khanh_hoa.commune_officer
    add(officer, khanh_hoa.ba_ngoi, D(2025, 9, 10))
    add(officer, khanh_hoa.ba_ngoi, D(2025, 10, 3))
    add(officer, khanh_hoa.ba_ngoi_branch, D(2025, 10, 20))  # a branch's class is its commune's
    add(officer, khanh_hoa.ba_ngoi, D(2025, 10, 21), kind="truyen_thong")  # another type
    add(province_officer, khanh_hoa.nha_trang, D(2025, 11, 5))
    h = ind("939-06")

    assert Result.objects.get(unit=khanh_hoa.ba_ngoi, indicator=h, month=OCT).value == 2
    assert value(h, khanh_hoa.ba_ngoi) == 3
    assert value(h, khanh_hoa.ba_ngoi, OCT, OCT) == 2
    assert value(h, khanh_hoa.nha_trang) == 1
    assert value(h, khanh_hoa.province) == 4
    assert value(h, khanh_hoa.province, OCT, NOV) == 3
    assert value(h, khanh_hoa.cao_bang) is None


def test_a_sum_spec_adds_up_one_participant_field(khanh_hoa, catalog) -> None:
    h = ind("939-06")
    h.derived_from = "activities:sum:participants_women:type=tap_huan"
    h.save()
    add(khanh_hoa.commune_officer, khanh_hoa.ba_ngoi, D(2025, 10, 3), participants_women=12)
    add(khanh_hoa.commune_officer, khanh_hoa.ba_ngoi_branch, D(2025, 10, 9), participants_women=7)

    assert value(h, khanh_hoa.ba_ngoi, OCT, OCT) == 19
    assert value(h, khanh_hoa.province, OCT, OCT) == 19


def test_a_province_run_class_counts_for_the_province_not_for_its_communes(
    khanh_hoa, catalog, province_officer
) -> None:
    h = ind("939-06")
    add(khanh_hoa.commune_officer, khanh_hoa.ba_ngoi, D(2025, 10, 3))
    add(province_officer, khanh_hoa.province, D(2025, 10, 15))

    assert value(h, khanh_hoa.province, OCT, OCT) == 2
    assert value(h, khanh_hoa.province.parent, OCT, OCT) == 2  # and above
    assert value(h, khanh_hoa.ba_ngoi, OCT, OCT) == 1
    assert value(h, khanh_hoa.nha_trang, OCT, OCT) is None
    # The dashboard's rows: each commune its own, the province's total row includes its own.
    communes = [khanh_hoa.ba_ngoi, khanh_hoa.nha_trang]
    rows, total = figures_with_total(h, khanh_hoa.province, communes, OCT, OCT)
    assert rows[khanh_hoa.ba_ngoi.pk].value == 1
    assert rows[khanh_hoa.nha_trang.pk].value is None
    assert total.value == 2
    # The month totals are what a rebuild from the results gives.
    kept = set(MonthTotal.objects.values_list("unit", "indicator", "month", "value", "units"))
    totals.rebuild()
    assert (
        set(MonthTotal.objects.values_list("unit", "indicator", "month", "value", "units")) == kept
    )


def test_editing_moves_the_figure_and_deleting_removes_it_with_history(khanh_hoa, catalog) -> None:
    h = ind("939-06")
    officer = khanh_hoa.commune_officer
    activity = add(officer, khanh_hoa.ba_ngoi, D(2025, 10, 3))
    values = {f: getattr(activity, f) for f in ("program", "unit", "type", "title", "ends_on")}
    values |= {"starts_on": D(2025, 11, 2), "participants": 40, "participants_women": 30}

    save_activity(user=officer, values=values, activity=Activity.objects.get(pk=activity.pk))

    assert value(h, khanh_hoa.ba_ngoi, OCT, OCT) is None
    assert value(h, khanh_hoa.ba_ngoi, NOV, NOV) == 1
    delete_activity(user=officer, activity=Activity.objects.get(pk=activity.pk))
    assert value(h, khanh_hoa.province, SEP, NOV) is None
    reasons = set(
        Result.history.filter(indicator=h).values_list("history_change_reason", flat=True)
    )
    assert reasons == {"activities"}
    kinds = list(Activity.history.filter(id=activity.pk).values_list("history_type", flat=True))
    assert sorted(kinds) == ["+", "-", "~"]
    assert Activity.history.filter(id=activity.pk, history_type="-").get().history_user == officer


def test_the_form_refuses_a_derived_indicator(khanh_hoa, catalog) -> None:
    from indicators.cycle.entry import Entry, check_entries

    [problem] = check_entries([Entry(khanh_hoa.ba_ngoi, ind("939-06"), OCT, value=Decimal(3))])

    assert "tính từ các hoạt động" in problem.message


def test_an_activity_on_a_day_the_commune_did_not_exist_is_refused_naming_its_successor(
    khanh_hoa, catalog, province_officer
) -> None:
    """PRODUCT.md: nothing is written for a unit when it did not exist (issue 16, item 6)."""
    old = factories.commune(khanh_hoa.province, "Xã Phước Đồng", "22366")
    old.valid_to = D(2025, 6, 30)
    old.save()
    UnitSuccession.objects.create(
        predecessor=old, successor=khanh_hoa.nha_trang, effective_on=D(2025, 7, 1)
    )

    with pytest.raises(ValidationError) as refused:
        add(province_officer, old, D(2025, 9, 10))

    assert refused.value.message_dict["unit"] == [
        "Xã Phước Đồng không tồn tại vào 10/09/2025 (đơn vị có hiệu lực đến 30/06/2025); "
        f"đã sáp nhập vào {khanh_hoa.nha_trang.name} ({khanh_hoa.nha_trang.code})"
    ]
    assert not Activity.objects.filter(unit=old).exists()
    add(province_officer, old, D(2025, 6, 10))  # while it existed: taken
    assert Activity.objects.filter(unit=old).count() == 1
