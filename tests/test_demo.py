import datetime

import pytest
from django.test import Client
from django.utils import timezone

from demo.services import load_demo
from indicators.models import Indicator, Target
from members.models import Level, Unit
from programs.models import Program

pytestmark = pytest.mark.django_db


def test_demo_loads_the_four_seed_provinces_catalogue_and_accounts() -> None:
    summary = load_demo()

    provinces = {load.province.code for load in summary.provinces}
    assert provinces == {"56", "04", "22", "46"}
    assert (Program.objects.count(), Indicator.objects.count()) == (4, 33)
    province_targets = Target.objects.filter(unit__level=Level.PROVINCE)
    assert province_targets.exclude(note__startswith="demo:").count() == 15  # the catalogue's
    _the_default_program_has_targets_this_year(summary)
    _province_targets_are_split_among_communes()
    branches = Unit.objects.filter(level=Level.BRANCH)
    assert branches.exists() and all(b.is_demo for b in branches)
    client = Client()
    for account in summary.accounts:
        assert client.login(username=account.username, password=account.password)
    _the_month_just_ended_is_in_every_review_state(summary)
    _demo_activities_agree_with_the_results()


def _the_default_program_has_targets_this_year(summary) -> None:
    """The dashboard opens on CTH for the month just ended: every seed province has CTH
    targets for that year, so its cells are not all "chưa giao"."""
    from common.periods import previous_month
    from programs.selectors import program_for

    month = previous_month()
    assert program_for(None, month).code == "CTH"
    for load in summary.provinces:
        this_year = Target.objects.filter(
            unit=load.province, indicator__program__code="CTH", period_end__year=month.year
        )
        assert this_year.count() >= 5, load.province.name


def _demo_activities_agree_with_the_results() -> None:
    from common.periods import month_start
    from indicators.models import Result
    from programs.models import Activity

    activities = list(Activity.objects.select_related("type", "program"))
    assert len(activities) >= 5
    for a in activities:
        indicator = Indicator.objects.get(
            program=a.program, derived_from=f"activities:count:type={a.type.code}"
        )
        month = month_start(a.starts_on)
        same = [
            b
            for b in activities
            if (b.unit_id, b.type_id, month_start(b.starts_on)) == (a.unit_id, a.type_id, month)
        ]
        result = Result.objects.get(unit=a.unit, indicator=indicator, month=month)
        assert result.value == len(same)


def _the_month_just_ended_is_in_every_review_state(summary) -> None:
    from django.urls import reverse

    from common.periods import previous_month
    from indicators.cycle.review import due_date
    from indicators.figures.completeness import MonthStatus, counts_for

    DAY = datetime.timedelta(days=1)

    cao_bang = Unit.objects.get(level=Level.PROVINCE, code="04", valid_to__isnull=True)
    counts = counts_for(cao_bang, Program.objects.get(code="CTH"), previous_month())
    assert counts.expected == 56
    expected = set(MonthStatus) - {MonthStatus.NOT_STARTED}
    if timezone.localdate() < due_date(Program.objects.get(code="CTH"), previous_month()) + DAY * 2:
        expected -= {MonthStatus.LATE}  # nothing is late before its due day has passed
    assert {s for s, n in counts.present()} == expected
    client = Client()
    client.login(username="xa.caobang", password="demo-xa.caobang")
    home = client.get(reverse("home:home")).content.decode()
    assert "Bị trả lại" in home and "chưa khớp với sổ theo dõi" in home
    client.login(username="tinh.caobang", password="demo-tinh.caobang")
    assert "đang chờ bạn duyệt" in client.get(reverse("home:home")).content.decode()


def _province_targets_are_split_among_communes() -> None:
    from django.db.models import Sum

    from indicators.catalogue.targets import is_additive

    for target in Target.objects.filter(unit__level=Level.PROVINCE).select_related("indicator"):
        communes = Target.objects.filter(
            unit__parent=target.unit, indicator=target.indicator, period_end=target.period_end
        )
        if is_additive(target.indicator):
            assert communes.aggregate(total=Sum("value"))["total"] == target.value
        else:
            assert set(communes.values_list("value", flat=True)) == {target.value}


def test_demo_twice_changes_nothing() -> None:
    load_demo()
    units = Unit.objects.count()

    again = load_demo()

    assert again.branches_created == 0
    assert again.review_states_created == 0
    assert Unit.objects.count() == units


def test_demo_has_a_register_of_a_few_hundred_members_seen_by_the_commune_officer() -> None:
    from members.models import Member
    from members.selectors import visible_members

    summary = load_demo()
    again = load_demo()

    assert 200 <= summary.members_created <= 800
    assert again.members_created == 0
    assert Member.objects.count() == summary.members_created
    officer = next(a for a in summary.accounts if a.username == "xa.caobang")
    from accounts.models import User

    seen = visible_members(User.objects.get(username=officer.username))
    assert seen.count() == 3 * 20
    assert seen.exclude(ethnicity="01").count() > 30  # Cao Bằng: mostly ethnic minorities
