"""Steps of the journey map in a real browser, shared by the browser tests of journeys and surveys.

``card(page, name)`` is the touchpoint card on the map: surveys' browser test attaches a listening
rule and then expects its line on that card (``expect(card(page, name)).to_contain_text(...)``).
"""

import os
from contextlib import contextmanager

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "correct horse battery"  # the fixture users' password (tests/conftest.py)


@contextmanager
def launched_chromium():
    """Headless Chromium; the Django ORM may be used between browser steps meanwhile (Playwright's
    sync API keeps an asyncio loop in this thread, hence DJANGO_ALLOW_ASYNC_UNSAFE)."""
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
    """No horizontal scrolling of the page at 375 px (the map scrolls inside itself)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"


def sign_in(page, email, password=PASSWORD):
    page.goto("/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def open_journeys(page, org_slug):
    page.goto(f"/o/{org_slug}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Journeys").click()
    expect(page.get_by_role("heading", name="Journeys", exact=True)).to_be_visible()


def create_journey_from_template(page, org_slug, template_label):
    """From the journeys list, one click on a template; ends on the new journey's map."""
    open_journeys(page, org_slug)
    page.get_by_role("button", name=f"Create a journey from “{template_label}”").click()
    expect(page.get_by_role("region", name="Journey map")).to_be_visible()


def stage_column(page, stage_name):
    return page.locator("section.stage").filter(
        has=page.get_by_role("heading", level=2, name=stage_name)
    )


def card(page, touchpoint_name):
    """The touchpoint's card on the journey map."""
    return page.locator("li.tp-card").filter(
        has=page.get_by_role("heading", level=3, name=touchpoint_name, exact=True)
    )


def add_touchpoint(page, stage_name, name, *, channel, owner, importance=3, moment=False):
    """From the map: "+ Add a touchpoint" in a stage, fill the form, save; back on the map."""
    stage_column(page, stage_name).get_by_role("link", name="Add a touchpoint").click()
    expect(page.get_by_role("heading", name="New touchpoint")).to_be_visible()
    page.get_by_label("Name:", exact=True).fill(name)
    page.get_by_label("Channel").select_option(label=channel)
    if moment:
        page.get_by_label("Moment of truth").check()
    page.get_by_label("Importance").fill(str(importance))
    page.get_by_label("Owner").select_option(label=owner)
    page.get_by_role("button", name="Save the touchpoint").click()
    expect(card(page, name)).to_be_visible()
