"""The Content-Security-Policy blocks nothing the portal's own pages need: a provincial
reviewer and a commune officer go through the main pages with no CSP violation reported in the
console, and the dashboard's program picker (its script now in static/js) still works."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests import factories
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(catalog) -> dict:
    province = factories.province("Tỉnh Khánh Hòa", "56")
    commune = factories.commune(province, "Phường Ba Ngòi", "22735")
    branch = factories.branch(commune, 1)
    member = factories.member(branch, "Trần Thị Lan")
    for username, unit, role in [
        ("tinh.khanhhoa", province, Role.REVIEWER),
        ("xa.bangoi", commune, Role.ENTRY),
    ]:
        factories.AssignmentFactory(
            user=factories.UserFactory(username=username), unit=unit, role=role
        )
    return {"province": province, "commune": commune, "member": member}


def _watch(page) -> list[str]:
    reported: list[str] = []
    page.on(
        "console",
        lambda message: (
            reported.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: reported.append(str(error)))
    return reported


def test_main_pages_report_no_csp_violation(people, live_server, page) -> None:
    reported = _watch(page)
    province, commune = people["province"], people["commune"]
    log_in(page, live_server.url, "tinh.khanhhoa")
    for url in [
        reverse("home:home"),
        reverse("indicators:dashboard", args=[province.pk, "CTH"]),
        reverse("indicators:review_start"),
        reverse("reports:report_list"),
        reverse("programs:activity_list"),
        reverse("members:register"),
        reverse("members:member_detail", args=[people["member"].pk]),
        reverse("home:unit_detail", args=[commune.pk]),
    ]:
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("load")

    page.goto(f"{live_server.url}{reverse('indicators:dashboard', args=[province.pk, 'CTH'])}")
    page.select_option("#pick-program", index=1)
    page.wait_for_url(lambda u: "/CTH/" not in u)

    page.click("text=Đăng xuất")
    log_in(page, live_server.url, "xa.bangoi")
    page.goto(f"{live_server.url}{reverse('indicators:entry_start')}")
    page.wait_for_load_state("load")
    assert reported == []
