import pytest
from django.test import Client

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
    assert Target.objects.count() == 15
    branches = Unit.objects.filter(level=Level.BRANCH)
    assert branches.exists() and all(b.is_demo for b in branches)
    client = Client()
    for account in summary.accounts:
        assert client.login(username=account.username, password=account.password)


def test_demo_twice_changes_nothing() -> None:
    load_demo()
    units = Unit.objects.count()

    again = load_demo()

    assert again.branches_created == 0
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
