"""Daily use (issue 18): a skip link and visible focus, entry fields named by their indicator,
the reviewer's comment at the top of the form with the indicators it names marked, Vietnamese
error pages with a way home, a favicon, a menu that offers only what the user may do, and
demo targets for the dashboard's default program."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.template import loader
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse, set_script_prefix

from accounts.context_processors import nav
from indicators.cycle import review
from indicators.models import Indicator, Target
from programs.models import Program

pytestmark = pytest.mark.django_db
MONTH = "2025-10"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form_url(unit, program: str = "CTH", month: str = MONTH) -> str:
    return reverse("indicators:entry_form", args=[unit.pk, program, month])


def test_the_skip_link_is_the_first_thing_a_tab_reaches(khanh_hoa) -> None:
    page = _client(khanh_hoa.commune_officer).get(reverse("home:home")).content.decode()
    body = page.split("<body>", 1)[1]
    first = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body)
    assert first and 'class="skip-link"' in first.group(0) and 'href="#main"' in first.group(0)
    assert "Bỏ qua đến nội dung chính" in body
    assert '<main class="content" id="main"' in page


def test_focus_is_visible_and_late_months_are_readable() -> None:
    from django.conf import settings

    css = (settings.BASE_DIR / "static/css/portal.css").read_text()
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid", css)
    code = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert "#b26b00" not in code  # 3.88:1 on the page background


def test_the_two_navs_have_names(khanh_hoa, catalog) -> None:
    page = _client(khanh_hoa.commune_officer).get(_form_url(khanh_hoa.ba_ngoi)).content.decode()
    navs = re.findall(r"<nav\b[^>]*>", page)
    assert len(navs) == 2
    assert all("aria-label=" in nav for nav in navs)


def test_entry_fields_are_named_by_the_indicator_not_its_code(khanh_hoa, catalog) -> None:
    page = _client(khanh_hoa.commune_officer).get(_form_url(khanh_hoa.ba_ngoi)).content.decode()
    h01 = Indicator.objects.get(code="H-01")
    inputs = re.findall(r"<input type=\"text\"[^>]*>", page)
    assert inputs
    assert all(not re.search(r'aria-label="[A-Z0-9]+-\d+', tag) for tag in inputs)
    assert any(f'aria-label="{h01.name_vi}"' in tag for tag in inputs)


def _returned(khanh_hoa, comment: str) -> None:
    program = Program.objects.get(code="CTH")
    submission = review.submission_for(khanh_hoa.ba_ngoi, program, datetime.date(2025, 10, 1))
    review.submit(user=khanh_hoa.commune_officer, submission=submission)
    review.return_to_unit(user=khanh_hoa.province_reviewer, submission=submission, comment=comment)


def test_the_return_comment_is_at_the_top_and_marks_the_fields_it_names(khanh_hoa, catalog) -> None:
    _returned(khanh_hoa, "H-01 thấp bất thường, xin kiểm tra lại; h-04 thiếu.")
    page = _client(khanh_hoa.commune_officer).get(_form_url(khanh_hoa.ba_ngoi)).content.decode()

    note = page.index('id="return-note"')
    assert note < page.index('id="entry-form"')
    assert "H-01 thấp bất thường" in page[note : page.index('id="entry-form"')]
    h01, h04, h02 = (Indicator.objects.get(code=c) for c in ("H-01", "H-04", "H-02"))
    for indicator, marked in ((h01, True), (h04, True), (h02, False)):
        name = f"value-{khanh_hoa.ba_ngoi.pk}-{indicator.pk}"
        tag = re.search(rf'<input [^>]*id="{name}"[^>]*>', page, re.S)
        assert tag, name
        assert ("return-note-text" in tag.group(0)) is marked
    assert page.count('class="flagged"') == 2


def test_no_note_once_the_month_is_sent_again(khanh_hoa, catalog) -> None:
    _returned(khanh_hoa, "H-01 sai")
    program = Program.objects.get(code="CTH")
    submission = review.submission_for(khanh_hoa.ba_ngoi, program, datetime.date(2025, 10, 1))
    review.submit(user=khanh_hoa.commune_officer, submission=submission)
    page = _client(khanh_hoa.commune_officer).get(_form_url(khanh_hoa.ba_ngoi)).content.decode()
    assert 'id="return-note"' not in page


@override_settings(DEBUG=False)
def test_404_is_vietnamese_in_the_layout_with_a_way_home(khanh_hoa) -> None:
    response = _client(khanh_hoa.commune_officer).get("/khong-co-trang-nay/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy trang" in page and 'class="topbar"' in page
    assert f'href="{reverse("home:home")}"' in page and "Về trang chủ" in page


@override_settings(DEBUG=False)
def test_403_is_vietnamese_with_a_way_home(khanh_hoa, catalog) -> None:
    client = _client(khanh_hoa.province_reviewer)  # may see, not enter
    response = client.post(_form_url(khanh_hoa.ba_ngoi), {"action": "save"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "Không được phép" in page and "Về trang chủ" in page


def test_500_renders_without_a_request_or_the_database(django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        page = loader.get_template("500.html").render()
    assert "Có lỗi ở máy chủ" in page and "Về trang chủ" in page
    assert 'class="topbar"' in page and "Đăng xuất" not in page


def test_a_favicon_is_linked_and_served(khanh_hoa) -> None:
    page = _client(khanh_hoa.commune_officer).get(reverse("home:home")).content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.ico")
    from django.contrib.staticfiles import finders

    assert finders.find("favicon.ico") and finders.find("favicon.svg")


def test_a_commune_officer_is_not_offered_the_review(khanh_hoa) -> None:
    officer = _client(khanh_hoa.commune_officer).get(reverse("home:home")).content.decode()
    reviewer = _client(khanh_hoa.province_reviewer).get(reverse("home:home")).content.decode()
    review_link = f'href="{reverse("indicators:review_start")}"'
    entry_link = f'href="{reverse("indicators:entry_start")}"'
    assert review_link not in officer and entry_link in officer
    assert review_link in reviewer and entry_link not in reviewer
    assert f'href="{reverse("imports:import_list")}"' not in officer
    assert f'href="{reverse("guide:index")}"' in officer


def test_the_menu_follows_the_script_prefix_it_is_served_under(khanh_hoa) -> None:
    """The menu's addresses are reversed once per process (accounts.context_processors.nav),
    kept per script prefix (gunicorn sets it from SCRIPT_NAME for each request): a portal
    behind a proxy at /hoi/ links to /hoi/..., the same process serving / links to /..."""
    page = _client(khanh_hoa.commune_officer).get(reverse("home:home")).content.decode()
    assert f'href="{reverse("indicators:entry_start")}"' in page
    assert f'action="{reverse("logout")}"' in page
    request = RequestFactory().get("/")
    try:
        set_script_prefix("/hoi/")
        under = nav(request)["nav"]
    finally:
        set_script_prefix("/")
    plain = nav(request)["nav"]
    assert (
        under["indicators_entry_start"]
        == "/hoi/nhap-lieu/"
        == "/hoi" + reverse("indicators:entry_start")
    )
    assert plain["indicators_entry_start"] == reverse("indicators:entry_start")
    assert plain["logout"] == reverse("logout") and under["logout"] == "/hoi" + reverse("logout")


def test_the_guide_has_a_page_per_role() -> None:
    index = Client().get(reverse("guide:index")).content.decode()
    for slug in ("can-bo-xa", "can-bo-tinh", "quan-tri"):
        assert reverse("guide:role", args=[slug]) in index
        page = Client().get(reverse("guide:role", args=[slug]))
        assert page.status_code == 200
        assert "guide/" in page.content.decode()  # its screenshots
    assert Client().get("/huong-dan/khong-co/").status_code == 404


def test_the_demo_gives_the_default_program_targets_for_its_year(khanh_hoa, catalog) -> None:
    from demo.targets import add_demo_year_targets
    from indicators.cycle.entry import Entry
    from indicators.cycle.recording import record_results

    h01 = Indicator.objects.get(code="H-01")
    record_results([Entry(khanh_hoa.ba_ngoi, h01, datetime.date(2025, 5, 1), value=Decimal(20))])

    assert add_demo_year_targets([khanh_hoa.province], 2026) >= 1
    target = Target.objects.get(unit=khanh_hoa.province, indicator=h01, period_end="2026-12-31")
    assert target.value == 22  # a tenth above 2025
    assert add_demo_year_targets([khanh_hoa.province], 2026) == 0  # idempotent
