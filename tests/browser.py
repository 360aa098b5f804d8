"""Headless Chromium for the browser tests of every app (Debian's chromium, driven by Playwright).

Playwright's sync API keeps an asyncio loop running in the test's thread, and Django refuses ORM
calls from a thread with a running loop (SynchronousOnlyOperation). Tests only touch the database
between browser steps, so DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser runs, then restored.
"""

import os
from contextlib import contextmanager

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@contextmanager
def launched_chromium():
    """Headless Chromium; the Django ORM may be used between browser steps meanwhile."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def assert_fits_phone_width(page):
    """No horizontal scrolling of the page at 375 px (a wide map scrolls inside itself)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"
