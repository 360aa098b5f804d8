"""On a phone: a CX manager builds a journey from a template, adds a touchpoint, takes a survey
from the library (its live preview follows the edits), attaches a listening rule to the new
touchpoint and sees on the journey map how it is listened to."""

import pytest
from playwright.sync_api import expect

from surveys.models import ListeningRule
from tests.journeys.browser import (
    PHONE,
    add_touchpoint,
    assert_fits_phone_width,
    card,
    create_journey_from_template,
    launched_chromium,
    sign_in,
)
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_a_manager_attaches_a_listening_rule_and_sees_it_on_the_map(
    transactional_db, phone, org_a, manager_a
):
    page = phone
    sign_in(page, manager_a.email)
    create_journey_from_template(page, org_a.slug, "E-commerce purchase")
    add_touchpoint(page, "Delivery", "Collects at a relay point", channel="Store", owner="manager")
    map_url = page.url

    # A survey from the library, in one click; the phone preview follows the unsaved edits.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name="New survey").click()
    assert_fits_phone_width(page)
    page.get_by_role("button", name="Create the survey “Post-purchase NPS”").click()
    expect(page.get_by_role("heading", level=1, name="Post-purchase NPS")).to_be_visible()
    preview = page.frame_locator("#survey-preview")
    expect(preview.get_by_text("How likely are you to recommend us")).to_be_visible()
    expect(preview.locator("label.point")).to_have_count(11)
    page.locator("#id_q-0-text_en").fill("Would you recommend our shop?")
    expect(preview.get_by_text("Would you recommend our shop?")).to_be_visible()
    page.get_by_role("link", name="FR", exact=True).click()
    expect(preview.get_by_text("Quelle est la probabilité")).to_be_visible()
    assert_fits_phone_width(page)
    page.get_by_role("button", name="Save the survey").click()
    expect(page.get_by_text("Survey saved.")).to_be_visible()
    # The public template on its own at 375 px: a detractor's score shows "what went wrong".
    editor_url = page.url
    page.goto(editor_url + "preview/?locale=en")
    assert_fits_phone_width(page)
    page.get_by_text("3", exact=True).click()
    expect(page.get_by_text("Sorry to hear that. What went wrong?")).to_be_visible()
    expect(page.get_by_text("Great! What did you like most?")).to_be_hidden()
    page.goto(editor_url)

    # The listening rule: hot, SMS then email, on the new touchpoint.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Listening").click()
    page.get_by_role("link", name="New listening rule").click()
    page.get_by_label("Touchpoint").select_option(
        label="E-commerce purchase › Delivery › Collects at a relay point"
    )
    page.get_by_label("Survey").select_option(label="Post-purchase NPS")
    page.get_by_label("First").select_option(label="SMS")
    page.get_by_label("then (optional)").select_option(label="Email")
    page.get_by_label("Hot: right after the interaction").check()
    assert_fits_phone_width(page)
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_text("Listening rule created.")).to_be_visible()
    expect(page.get_by_role("heading", name="Collects at a relay point")).to_be_visible()
    assert_fits_phone_width(page)

    page.goto(map_url)
    expect(card(page, "Collects at a relay point")).to_contain_text(
        "Hot · SMS then email · Post-purchase NPS"
    )
    with organization_scope(org_a):
        rule = ListeningRule.objects.select_related("touchpoint").get()
    assert rule.touchpoint.name == "Collects at a relay point"
    assert (rule.channels, rule.timing) == (["sms", "email"], "hot")
