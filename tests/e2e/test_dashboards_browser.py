"""The dashboards in a real browser: plotly draws the charts under the page's CSP (scripts from
'self' only), a filter changes the numbers shown, nothing sticks out of a phone's width, and
axe-core finds no serious or critical WCAG 2.1 AA violation on the overview and on a journey's
scores."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from journeys.models import Touchpoint
from journeys.services import create_journey_from_template
from surveys.library import create_from_library
from surveys.rollups import rebuild_rollups
from tests.browser import DESKTOP, PHONE, assert_fits_phone_width, axe_violations, skip_without_axe
from tests.surveys.conftest import record_answers
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.browser


@pytest.fixture
def scored_journey(transactional_db, org_a, manager_a):
    """The e-commerce journey with answers: promoters by SMS, detractors by email."""
    journey = create_journey_from_template(org_a, "ecommerce", manager_a)
    with organization_scope(org_a):
        survey = create_from_library(None, org_a, "post_purchase_nps")
        touchpoints = {tp.key: tp for tp in Touchpoint.objects.filter(stage__journey=journey)}
    plan = {
        "parcel-received": ([0, 2, 3, 10], "email"),
        "purchase": ([9, 10, 10, 6], "sms"),
        "product-page": ([7, 8, 9], "sms"),
        "first-use": ([5, 6, 9], "email"),
    }
    for key, (scores, channel) in plan.items():
        for score in scores:
            response = record_answers(survey, touchpoints[key], nps=score)
            with organization_scope(org_a):
                type(response).objects.filter(pk=response.pk).update(channel=channel)
    rebuild_rollups(org_a)
    return journey


def signed_in(chromium, live_server, user, viewport, **options):
    """A browser context carrying the user's session (made by Django's test client)."""
    client = Client()
    client.force_login(user)
    context = chromium.new_context(
        viewport=viewport, base_url=live_server.url, locale="en-GB", **options
    )
    context.set_default_timeout(15_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def wait_for_charts(page, count):
    expect(page.locator(".chart-plot.is-drawn")).to_have_count(count)
    expect(page.locator(".chart-plot svg.main-svg").first).to_be_attached()


def test_the_charts_render_and_a_filter_changes_the_numbers(
    chromium, live_server, agent_a, scored_journey
):
    context = signed_in(chromium, live_server, agent_a, DESKTOP)
    page = context.new_page()
    errors = []  # script errors, CSP refusals, missing files (the browser's own favicon aside)
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and errors.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and errors.append(f"{response.status} {response.url}")
        ),
    )

    page.goto("/o/alpha/dashboard/")
    wait_for_charts(page, 1)
    nps = page.locator("#indicator-nps [data-value]")
    expect(nps).to_have_text("0")  # 6 promoters, 6 detractors, 2 passives
    page.get_by_label("Channel").select_option("email")
    page.get_by_role("button", name="Show").click()
    expect(nps).to_have_text("−43")
    expect(page.get_by_label("Channel")).to_have_value("email")
    wait_for_charts(page, 1)

    page.get_by_role("link", name="E-commerce purchase").click()
    wait_for_charts(page, 2)
    expect(page.locator("#act-first-text")).to_contain_text("Receives the parcel")
    page.get_by_text("Show data").first.click()
    expect(page.get_by_role("row", name="Delivery").first).to_be_visible()

    page.locator(".tp-name a").filter(has_text="Receives the parcel").click()
    wait_for_charts(page, 2)  # trend and distribution (no invitation: no rate per channel)
    expect(page.locator("#indicator-nps [data-value]")).to_have_text("−50")
    assert errors == []
    context.close()


def test_the_dashboards_fit_a_phone(chromium, live_server, agent_a, scored_journey):
    context = signed_in(chromium, live_server, agent_a, PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto("/o/alpha/dashboard/")
    wait_for_charts(page, 1)
    assert_fits_phone_width(page)
    page.goto(f"/o/alpha/dashboard/journeys/{scored_journey.pk}/")
    wait_for_charts(page, 2)
    assert_fits_phone_width(page)
    context.close()


def test_axe_finds_no_serious_violation_on_the_overview_and_journey_scores(
    chromium, live_server, manager_a, scored_journey
):
    skip_without_axe()
    # axe is injected as an inline script, which the page's CSP refuses: the test lifts it.
    context = signed_in(chromium, live_server, manager_a, DESKTOP, bypass_csp=True)
    page = context.new_page()
    for address, charts in (
        ("/o/alpha/dashboard/", 1),
        (f"/o/alpha/dashboard/journeys/{scored_journey.pk}/", 2),
    ):
        page.goto(address)
        wait_for_charts(page, charts)
        page.locator("details.chart-data summary").first.click()  # a table shown, too
        assert axe_violations(page) == [], address
    context.close()
