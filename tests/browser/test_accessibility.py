"""The accessibility audit (axe-core, from npm: node_modules/axe-core, pinned in package.json)
over the main pages, locked and unlocked, on a desktop window and a 390x844 phone: no violation
of any impact. The same walk takes the user guide's screenshots (static/guide/*.png), so the
guide never shows an old screen.

axe is injected as a script tag, which the portal's Content-Security-Policy (no inline script)
would block: the audit's browser contexts bypass the CSP (tests/browser/test_csp.py checks it)."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from indicators.cycle import review
from indicators.models import Indicator
from programs.models import Activity, ActivityType, Program
from tests import factories
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
GUIDE = ROOT / "static" / "guide"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
OPEN, LOCKED, RETURNED = "2025-10", "2025-09", "2025-08"

IMPORT_FILE = """unit_code,indicator_code,month,value,numerator,denominator
22735,939-01,2025-06,7,,
22735,939-04,2025-06,"1.234",,
22333,939-01,2025-06,3,,
"""


def audit(page) -> list[dict]:
    """axe-core's violations on the page as it is (every impact), shortened for a message."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make install` runs `npm ci` (axe-core)")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
          }));
        }"""
    )


def shoot(page, name: str) -> None:
    """The visible screen as a small palette PNG for the guide."""
    image = Image.open(io.BytesIO(page.screenshot()))
    small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    GUIDE.mkdir(parents=True, exist_ok=True)
    small.save(GUIDE / f"{name}.png", optimize=True)


class Walk:
    """Pages visited in a browser context, each audited; failures gathered for one message."""

    def __init__(self, browser, url: str, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(locale="vi-VN", viewport=viewport, bypass_csp=True)
        self.page = self.context.new_page()
        self.url = url
        self.phone = viewport == PHONE
        self.found: dict[str, list[dict]] = {}

    def visit(self, name: str, path: str, wait: str = "main", shot: str = "") -> None:
        self.page.goto(self.url + path)
        self.page.wait_for_selector(wait)
        self.check(name, shot)

    def check(self, name: str, shot: str = "") -> None:
        label = f"{name} ({'phone' if self.phone else 'desktop'})"
        self.found[label] = audit(self.page)
        if self.phone:  # nothing wider than the phone's screen
            width = self.page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                self.found[label].append({"id": "page-wider-than-phone", "width": width})
        if shot:
            shoot(self.page, shot)


def _report(walks: list[Walk]) -> None:
    counts = {label: len(violations) for walk in walks for label, violations in walk.found.items()}
    print("axe violations per page:", json.dumps(counts, ensure_ascii=False))
    failures = {
        label: violations
        for walk in walks
        for label, violations in walk.found.items()
        if violations
    }
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)


@pytest.fixture
def setup(khanh_hoa, catalog) -> dict[str, str]:
    # Made before the browser starts (see tests/browser/test_login.py).
    cth = Program.objects.get(code="CTH")
    officer, reviewer = khanh_hoa.commune_officer, khanh_hoa.province_reviewer
    locked = review.submission_for(khanh_hoa.ba_ngoi, cth, datetime.date(2025, 9, 1))
    review.submit(user=officer, submission=locked)
    returned = review.submission_for(khanh_hoa.ba_ngoi, cth, datetime.date(2025, 8, 1))
    review.submit(user=officer, submission=returned)
    review.return_to_unit(
        user=reviewer, submission=returned, comment="H-01 còn thiếu 2 hộ ở thôn 1, xin bổ sung."
    )
    for n, name in enumerate(["Nguyễn Thị Hoà", "Trần Thị Mai", "Lê Thị Lan"]):
        factories.member(khanh_hoa.ba_ngoi_branch, name, birth_year=1980 + n)
    today = timezone.localdate()
    kind = ActivityType.objects.order_by("pk").first()
    assert kind is not None
    for n, title in enumerate(["Tập huấn khởi nghiệp", "Sinh hoạt chuyên đề an toàn giao thông"]):
        Activity.objects.create(
            program=Program.objects.get(code="DA939"), unit=khanh_hoa.ba_ngoi, type=kind,
            title=title, starts_on=today.replace(day=1) + datetime.timedelta(days=n),
            place="Nhà văn hóa thôn 1", participants=30 + n, participants_women=28,
        )  # fmt: skip
    admin = factories.AssignmentFactory(
        user=factories.UserFactory(username="quantri.khanhhoa"),
        unit=khanh_hoa.province,
        role=Role.ADMIN,
    ).user
    return {
        "officer": officer.username,
        "reviewer": reviewer.username,
        "admin": admin.username,
        "commune": str(khanh_hoa.ba_ngoi.pk),
        "province": str(khanh_hoa.province.pk),
        "h01_name": Indicator.objects.get(code="H-01").name_vi,
    }


def _entry(setup: dict[str, str], month: str) -> str:
    return f"/nhap-lieu/{setup['commune']}/CTH/{month}/"


def test_the_officers_pages_have_no_violation(setup, live_server, browser) -> None:
    walks = []
    for viewport in (DESKTOP, PHONE):
        walk = Walk(browser, live_server.url, viewport)
        phone = viewport == PHONE
        walk.visit("login", "/dang-nhap/", "#id_username", "" if phone else "dang-nhap")
        walk.visit("password reset", "/quen-mat-khau/", "#password-reset")
        log_in(walk.page, live_server.url, setup["officer"])
        walk.check("home", "xa-trang-chu" if phone else "")
        walk.visit("entry, open month", _entry(setup, OPEN), "#entry-form",
                   "" if phone else "xa-nhap-lieu")  # fmt: skip
        walk.visit("entry, locked month", _entry(setup, LOCKED), "#locked-note")
        walk.visit("entry, returned month", _entry(setup, RETURNED), "#entry-form",
                   "xa-tra-lai-dien-thoai" if phone else "")  # fmt: skip
        walk.visit("activities", "/hoat-dong/", "main", "" if phone else "hoat-dong")
        walk.visit("members", "/hoi-vien/", "#members", "" if phone else "hoi-vien")
        walk.visit("password change", "/doi-mat-khau/", "#password-change")
        walk.visit("guide", "/huong-dan/can-bo-xa/", ".guide")
        walks.append(walk)
        walk.context.close()
    _report(walks)


def test_the_reviewers_and_admins_pages_have_no_violation(
    setup, live_server, browser, tmp_path
) -> None:
    walk = Walk(browser, live_server.url, DESKTOP)
    log_in(walk.page, live_server.url, setup["reviewer"])
    walk.check("reviewer's home")
    walk.visit("review overview", f"/duyet/{setup['province']}/CTH/{LOCKED}/", "main",
               "tinh-duyet")  # fmt: skip
    walk.visit("dashboard", f"/theo-doi/{setup['province']}/CTH/?thang=2025-10", "main",
               "tinh-theo-doi")  # fmt: skip
    walk.visit("report", "/bao-cao/", "main", "tinh-bao-cao")
    walk.context.close()

    admin = Walk(browser, live_server.url, DESKTOP)
    log_in(admin.page, live_server.url, setup["admin"])
    path = tmp_path / "ket-qua-2025-06.csv"
    path.write_text(IMPORT_FILE, encoding="utf-8")
    admin.visit("imports", "/nhap-du-lieu/", "#import-upload")
    admin.page.set_input_files("#id_file", str(path))
    admin.page.select_option("#id_unit", setup["province"])
    admin.page.click("#import-upload button[type=submit]")
    admin.page.wait_for_selector("#batch-counts")
    admin.check("import preview", "quan-tri-nhap-du-lieu")
    admin.context.close()
    _report([walk, admin])


def test_the_keyboard_skips_to_the_content_and_fields_speak_their_indicator(
    setup, live_server, page
) -> None:
    log_in(page, live_server.url, setup["officer"])
    page.goto(live_server.url + _entry(setup, RETURNED))
    page.wait_for_selector("#entry-form")

    page.keyboard.press("Tab")  # the first Tab: the skip link, shown while focused
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert skip.is_visible() and skip.bounding_box()["y"] >= 0
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert outline == "3px"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # A field is found by the indicator's name, as a screen reader announces it, and the
    # reviewer's comment describes the field it names.
    field = page.get_by_label(setup["h01_name"], exact=True)
    assert field.get_attribute("data-code") == "H-01"
    assert "return-note-text" in field.get_attribute("aria-describedby")
    note = page.locator("#return-note").bounding_box()
    assert note["y"] < page.locator("#entry-form").bounding_box()["y"]
