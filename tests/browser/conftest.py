"""Browser tests drive Debian's chromium through Playwright (`make test` installs it)."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("BROWSER_EXECUTABLE") or shutil.which("chromium") or ""


@pytest.fixture
def browser():
    if not CHROMIUM:
        pytest.fail("chromium is not installed: `make test` installs Debian's chromium (as root)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the
    # fixtures around it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A phone-sized page: officers often work on a phone."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()
