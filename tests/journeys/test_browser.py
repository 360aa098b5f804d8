"""A CX manager builds a journey from a template on a phone, adds a touchpoint and sees it on the
map; on a desktop, stages and cards are reordered with the buttons and by drag and drop."""

import pytest
from playwright.sync_api import expect

from journeys.models import Journey, Stage, Touchpoint
from vocapp.tenancy.scope import organization_scope

from .browser import (
    DESKTOP,
    PHONE,
    add_touchpoint,
    assert_fits_phone_width,
    card,
    create_journey_from_template,
    launched_chromium,
    sign_in,
    stage_column,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def new_page(chromium, live_server):
    contexts = []

    def make(viewport):
        context = chromium.new_context(viewport=viewport, base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def stage_order(journey):
    with organization_scope(journey.organization):
        return list(Stage.objects.filter(journey=journey).values_list("name", flat=True))


def test_a_manager_builds_a_journey_from_a_template_and_adds_a_touchpoint(
    transactional_db, new_page, org_a, manager_a, agent_a
):
    page = new_page(PHONE)
    sign_in(page, manager_a.email)
    create_journey_from_template(page, org_a.slug, "E-commerce purchase")

    expect(page.get_by_role("heading", level=1, name="E-commerce purchase")).to_be_visible()
    parcel = card(page, "Receives the parcel")
    expect(parcel).to_contain_text("Moment of truth")
    expect(parcel).to_contain_text("Post")
    expect(parcel).to_contain_text("5/5")
    assert_fits_phone_width(page)
    # The stages scroll sideways inside the map, leaving the page at the phone's width.
    journey_map = page.get_by_role("region", name="Journey map")
    assert journey_map.evaluate("map => map.scrollWidth > map.clientWidth")

    add_touchpoint(
        page,
        "Delivery",
        "Collects at a relay point",
        channel="Store",
        owner="manager",
        importance=4,
        moment=True,
    )

    new_card = card(page, "Collects at a relay point")
    expect(new_card).to_contain_text("Moment of truth")
    expect(new_card).to_contain_text("Store")
    expect(new_card).to_contain_text("4/5")
    expect(new_card).to_contain_text("manager")
    expect(stage_column(page, "Delivery").locator("li.tp-card")).to_have_count(3)
    assert_fits_phone_width(page)
    with organization_scope(org_a):
        created = Touchpoint.objects.get(name="Collects at a relay point")
        assert created.key == "collects-at-a-relay-point"
        assert (created.owner, created.channel, created.is_moment_of_truth) == (
            manager_a,
            "store",
            True,
        )
        assert created.stage.name == "Delivery"


def test_a_manager_reorders_with_buttons_and_by_drag_and_drop(
    transactional_db, new_page, org_a, manager_a
):
    from journeys.services import create_journey_from_template as make_journey

    journey = make_journey(org_a, "customer-service", manager_a)
    page = new_page(DESKTOP)
    sign_in(page, manager_a.email)
    page.goto(f"/o/{org_a.slug}/journeys/{journey.pk}/")

    page.get_by_role("button", name="Move stage “Resolution” left").click()
    expect(page.locator("section.stage h2").first).to_contain_text("Need for help")
    assert stage_order(journey) == ["Need for help", "Resolution", "Contact", "Follow-up"]

    # Drag "Follow-up" by its handle onto the first column.
    with page.expect_response(lambda r: r.url.endswith("/stages/order/")) as answer:
        stage_column(page, "Follow-up").locator(".drag-handle").drag_to(
            stage_column(page, "Need for help").locator(".stage-head"),
            target_position={"x": 5, "y": 5},
        )
    assert answer.value.status == 200
    assert stage_order(journey) == ["Follow-up", "Need for help", "Resolution", "Contact"]

    # Drag the chat card from "Contact" into "Resolution".
    with page.expect_response(lambda r: r.url.endswith("/touchpoints/order/")) as answer:
        card(page, "Starts a chat").drag_to(card(page, "Gets the solution"))
    assert answer.value.status == 200
    with organization_scope(org_a):
        chat = Touchpoint.objects.select_related("stage").get(key="support-chat")
        assert chat.stage.name == "Resolution"
        contact = list(
            Touchpoint.objects.filter(stage__name="Contact", stage__journey=journey).values_list(
                "key", "position"
            )
        )
        assert contact == [("support-call", 0), ("support-email", 1)]
    page.reload()
    expect(stage_column(page, "Resolution")).to_contain_text("Starts a chat")
    with organization_scope(org_a):
        assert Journey.objects.get(pk=journey.pk).archived_at is None
