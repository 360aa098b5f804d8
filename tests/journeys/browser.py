"""Steps of the journey map in a real browser, shared by the browser tests of journeys and surveys.

``card(page, name)`` is the touchpoint card on the map: surveys' browser test attaches a listening
rule and then expects its line on that card (``expect(card(page, name)).to_contain_text(...)``).
"""

from playwright.sync_api import expect

from tests.browser import (  # noqa: F401  (re-exported for the browser tests of journeys and surveys)
    DESKTOP,
    PHONE,
    assert_fits_phone_width,
    launched_chromium,
)

PASSWORD = "correct horse battery"  # the fixture users' password (tests/conftest.py)


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
