"""Headless Chromium for the browser tests of every app (Debian's chromium, driven by Playwright).

Playwright's sync API keeps an asyncio loop running in the test's thread, and Django refuses ORM
calls from a thread with a running loop (SynchronousOnlyOperation). Tests only touch the database
between browser steps, so DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser runs, then restored.
"""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
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


# axe-core from npm (package.json): the WCAG 2.1 A and AA rules.
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def skip_without_axe() -> None:
    if not AXE.exists():
        pytest.skip(
            "axe-core is not installed: `make test` installs it with npm (package.json); "
            "without node and npm the accessibility tests cannot run"
        )


def axe_violations(page) -> list[str]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds on the page."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
