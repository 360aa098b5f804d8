"""Headless Chromium through Playwright's sync API, against pytest-django's live server.

Playwright's sync API keeps an asyncio loop running in this thread while it is started, and
Django refuses ORM calls from a thread with a running loop (SynchronousOnlyOperation). The test
code only touches the database between browser steps, never concurrently with the live server's
own requests for the same rows, so DJANGO_ALLOW_ASYNC_UNSAFE is set while Playwright runs: for
this package only (Playwright stops when its last test ends, and the variable is restored).
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 375, "height": 812}
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


@pytest.fixture(scope="package")
def chromium():
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def phone_page(chromium, live_server):
    """A phone-size page (375 px wide) whose relative URLs go to the live server."""
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshots_dir(tmp_path):
    """The README's screenshots are refreshed with ``VOC_REFRESH_SCREENSHOTS=1``; an ordinary run
    takes them into a temporary folder, so that `make test` leaves the checkout clean."""
    if os.environ.get("VOC_REFRESH_SCREENSHOTS") != "1":
        return tmp_path
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
