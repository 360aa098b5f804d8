"""The journey pages for each role: managers build and reorder, agents read, nobody else sees."""

import pytest
from django.urls import reverse

from journeys.models import Journey, Persona, Stage, Touchpoint
from vocapp import registry
from vocapp.contacts.models import Segment
from vocapp.tenancy.models import AuditEvent
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"journeys:{name}", kwargs={"org_slug": "alpha", **kwargs})


def in_a(org, func):
    with organization_scope(org):
        return func()


def touchpoint(org, key):
    return in_a(org, lambda: Touchpoint.objects.select_related("stage").get(key=key))


def stage_named(org, journey, name):
    return in_a(org, lambda: Stage.objects.get(journey=journey, name=name))


@pytest.fixture
def listening_lines():
    """An app to the right says how touchpoints are listened to (as surveys does)."""

    def annotate(organization, ids):
        with organization_scope(organization):
            keys = dict(Touchpoint.objects.filter(pk__in=ids).values_list("pk", "key"))
        return {pk: [f"Hot SMS survey after {key}"] for pk, key in keys.items()}

    registry.touchpoint_annotations.register(
        registry.TouchpointAnnotation("test-listening", annotate)
    )
    yield
    registry.touchpoint_annotations.unregister("test-listening")


def test_a_manager_makes_a_journey_from_a_template_in_one_click(client_as, manager_a, org_a):
    client = client_as(manager_a)
    page = client.get(url("list"))
    assert page.status_code == 200
    text = page.content.decode()
    for name in (
        "E-commerce purchase",
        "Retail store visit",
        "Customer service contact",
        "B2B service",
        "Employee journey",
        "Blank journey",
    ):
        assert name in text

    response = client.post(url("from_template"), {"template": "retail"})

    journey = in_a(org_a, lambda: Journey.objects.get())
    assert response.status_code == 302
    assert response["Location"] == url("map", pk=journey.pk)
    assert journey.name == "Retail store visit"
    map_page = client.get(response["Location"]).content.decode()
    assert "Gets advice from a sales assistant" in map_page
    assert "Moment of truth" in map_page


def test_an_unknown_template_gets_a_400_naming_it(client_as, manager_a, org_a):
    response = client_as(manager_a).post(url("from_template"), {"template": "nope"})
    assert response.status_code == 400
    assert "Choose a journey template." in response.content.decode()
    assert in_a(org_a, lambda: Journey.objects.count()) == 0


def test_the_map_shows_cards_with_their_facts_and_the_registered_lines(
    client_as, manager_a, agent_a, ecommerce_a, org_a, listening_lines
):
    parcel = touchpoint(org_a, "parcel-received")
    in_a(org_a, lambda: Touchpoint.objects.filter(pk=parcel.pk).update(owner=agent_a))

    page = client_as(manager_a).get(url("map", pk=ecommerce_a.pk))

    assert page.status_code == 200
    html = page.content.decode()
    card = html[html.index(f'id="touchpoint-{parcel.pk}"') :]
    card = card[: card.index("</li>")]
    assert "Receives the parcel" in card
    assert "Post" in card  # its channel
    assert "Moment of truth" in card
    assert "5/5" in card
    assert "agent" in card  # the owner's name (full name = the email's local part)
    assert "Hot SMS survey after parcel-received" in card
    # Stages are in order, as columns.
    order = [
        html.index(name)
        for name in (
            "Discovery",
            "Information search",
            "Purchase",
            "Delivery",
            "First use",
            "After-sales contact",
        )
    ]
    assert order == sorted(order)
    assert 'src="/static/js/journey-map.js"' in html


def test_an_agent_reads_the_map_without_edit_buttons(client_as, agent_a, ecommerce_a):
    client = client_as(agent_a)
    html = client.get(url("map", pk=ecommerce_a.pk)).content.decode()
    assert "Receives the parcel" in html
    for hidden in (
        "Add a stage",
        "Add a touchpoint",
        "Edit",
        "Archive",
        "◀",
        "▲",
        "draggable",
        "journey-map.js",
        "map-csrf",
        "/move/",
        "/archive/",
    ):
        assert hidden not in html, hidden
    listing = client.get(url("list")).content.decode()
    assert "Use this template" not in listing and "Blank journey" not in listing


@pytest.mark.parametrize(
    "name, kind, data",
    [
        ("from_template", None, {"template": "retail"}),
        ("new", None, {"name": "x", "kind": "customer"}),
        ("edit", "journey", {"name": "x", "kind": "customer"}),
        ("archive", "journey", {}),
        ("stage_new", "journey", {"name": "x"}),
        ("stage_order", "journey", {}),
        ("stage_edit", "stage", {"name": "x"}),
        ("stage_move", "stage", {"direction": "forward"}),
        ("stage_archive", "stage", {}),
        ("touchpoint_new", "stage", {"name": "x"}),
        ("touchpoint_order", "stage", {}),
        ("touchpoint_edit", "touchpoint", {"name": "x"}),
        ("touchpoint_move", "touchpoint", {"direction": "down"}),
        ("touchpoint_archive", "touchpoint", {}),
        ("persona_new", None, {"name": "x"}),
    ],
)
def test_an_agent_posting_gets_a_403_and_nothing_changes(
    name, kind, data, client_as, agent_a, ecommerce_a, org_a
):
    objects = {
        "journey": ecommerce_a,
        "stage": in_a(org_a, lambda: Stage.objects.filter(journey=ecommerce_a).first()),
        "touchpoint": touchpoint(org_a, "purchase"),
    }
    before = AuditEvent.objects.unscoped().count()
    target = url(name, pk=objects[kind].pk) if kind else url(name)
    response = client_as(agent_a).post(target, data)
    assert response.status_code == 403
    assert AuditEvent.objects.unscoped().count() == before


def test_agents_get_403_on_the_edit_forms(client_as, agent_a, ecommerce_a):
    client = client_as(agent_a)
    assert client.get(url("new")).status_code == 403
    assert client.get(url("edit", pk=ecommerce_a.pk)).status_code == 403
    assert client.get(url("persona_new")).status_code == 403


def test_a_manager_adds_a_stage_and_a_touchpoint_with_an_owner(
    client_as, manager_a, admin_a, ecommerce_a, org_a
):
    client = client_as(manager_a)
    response = client.post(url("stage_new", pk=ecommerce_a.pk), {"name": "Loyalty"})
    assert response.status_code == 302
    loyalty = stage_named(org_a, ecommerce_a, "Loyalty")
    assert loyalty.position == 6

    form = client.get(url("touchpoint_new", pk=loyalty.pk))
    assert form.status_code == 200
    assert admin_a.get_full_name() in form.content.decode()
    response = client.post(
        url("touchpoint_new", pk=loyalty.pk),
        {
            "name": "Gets loyalty points",
            "stage": loyalty.pk,
            "key": "",
            "channel": "app",
            "direction": "push",
            "nature": "transactional",
            "is_moment_of_truth": "on",
            "importance": 4,
            "target_score": 70,
            "owner": admin_a.pk,
            "emotions": "Pleased",
        },
    )
    assert response.status_code == 302
    created = touchpoint(org_a, "gets-loyalty-points")
    assert response["Location"] == url("map", pk=ecommerce_a.pk) + f"#touchpoint-{created.pk}"
    assert (created.stage_id, created.owner, created.channel) == (loyalty.pk, admin_a, "app")
    assert created.is_moment_of_truth and created.importance == 4
    assert (
        AuditEvent.objects.unscoped().filter(action="touchpoint.created", actor=manager_a).count()
        == 1
    )
    assert "Gets loyalty points" in client.get(url("map", pk=ecommerce_a.pk)).content.decode()


def test_a_touchpoint_owner_from_another_organization_is_refused(
    client_as, manager_a, outsider, ecommerce_a, org_a
):
    stage = in_a(org_a, lambda: Stage.objects.filter(journey=ecommerce_a).first())
    response = client_as(manager_a).post(
        url("touchpoint_new", pk=stage.pk),
        {
            "name": "Sneaky",
            "stage": stage.pk,
            "channel": "web",
            "direction": "pull",
            "nature": "informative",
            "importance": 3,
            "target_score": 80,
            "owner": outsider.pk,
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not in_a(org_a, lambda: Touchpoint.objects.filter(name="Sneaky").exists())


def test_edit_a_touchpoint_and_move_it_to_another_stage(client_as, manager_a, ecommerce_a, org_a):
    parcel = touchpoint(org_a, "parcel-received")
    first_use = stage_named(org_a, ecommerce_a, "First use")
    client = client_as(manager_a)
    page = client.get(url("touchpoint_edit", pk=parcel.pk))
    assert page.status_code == 200
    data = {
        "name": "Parcel in hand",
        "stage": first_use.pk,
        "key": "parcel-received",
        "channel": "mail",
        "direction": "push",
        "nature": "transactional",
        "is_moment_of_truth": "on",
        "importance": 5,
        "target_score": 90,
    }
    response = client.post(url("touchpoint_edit", pk=parcel.pk), data)
    assert response.status_code == 302
    parcel = touchpoint(org_a, "parcel-received")
    assert (parcel.name, parcel.stage_id, parcel.position, parcel.target_score) == (
        "Parcel in hand",
        first_use.pk,
        1,
        90,
    )
    event = AuditEvent.objects.unscoped().get(action="touchpoint.updated")
    assert event.changes["name"] == ["Receives the parcel", "Parcel in hand"]
    assert event.changes["target_score"] == [80, 90]


def test_the_arrow_buttons_move_stages_and_touchpoints(client_as, manager_a, ecommerce_a, org_a):
    client = client_as(manager_a)
    delivery = stage_named(org_a, ecommerce_a, "Delivery")
    response = client.post(url("stage_move", pk=delivery.pk), {"direction": "back"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#stage-{delivery.pk}")
    assert stage_named(org_a, ecommerce_a, "Delivery").position == 2
    assert stage_named(org_a, ecommerce_a, "Purchase").position == 3

    parcel = touchpoint(org_a, "parcel-received")
    client.post(url("touchpoint_move", pk=parcel.pk), {"direction": "up"})
    assert touchpoint(org_a, "parcel-received").position == 0
    assert touchpoint(org_a, "shipping-notice").position == 1

    after_sales = stage_named(org_a, ecommerce_a, "After-sales contact")
    client.post(url("touchpoint_move", pk=parcel.pk), {"stage": after_sales.pk})
    moved = touchpoint(org_a, "parcel-received")
    assert (moved.stage_id, moved.position) == (after_sales.pk, 2)


def test_a_move_with_a_bad_direction_or_stage_is_a_400(
    client_as, manager_a, ecommerce_a, org_a, outsider, org_b
):
    from journeys.services import create_journey_from_template

    client = client_as(manager_a)
    parcel = touchpoint(org_a, "parcel-received")
    assert (
        client.post(url("touchpoint_move", pk=parcel.pk), {"direction": "sideways"}).status_code
        == 400
    )
    stage = stage_named(org_a, ecommerce_a, "Delivery")
    assert client.post(url("stage_move", pk=stage.pk), {}).status_code == 400
    journey_b = create_journey_from_template(org_b, "retail", outsider)
    stage_b = in_a(org_b, lambda: Stage.objects.filter(journey=journey_b).first())
    response = client.post(url("touchpoint_move", pk=parcel.pk), {"stage": stage_b.pk})
    assert response.status_code == 400
    assert "Choose a stage of this journey." in response.content.decode()
    assert touchpoint(org_a, "parcel-received").stage_id == stage.pk


def test_drag_and_drop_posts_the_new_order(client_as, manager_a, ecommerce_a, org_a):
    client = client_as(manager_a)
    stages = in_a(org_a, lambda: list(Stage.objects.filter(journey=ecommerce_a)))
    wanted = [s.pk for s in reversed(stages)]
    response = client.post(
        url("stage_order", pk=ecommerce_a.pk), {"order": wanted}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {"order": wanted}
    assert in_a(org_a, lambda: [s.pk for s in Stage.objects.filter(journey=ecommerce_a)]) == wanted

    purchase_stage = stage_named(org_a, ecommerce_a, "Purchase")
    ids = in_a(org_a, lambda: list(purchase_stage.touchpoints.values_list("pk", flat=True)))
    parcel = touchpoint(org_a, "parcel-received")
    response = client.post(
        url("touchpoint_order", pk=purchase_stage.pk),
        {"order": [ids[1], parcel.pk, ids[0]]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert touchpoint(org_a, "parcel-received").stage_id == purchase_stage.pk
    assert touchpoint(org_a, "order-confirmation").position == 0

    bad = client.post(
        url("stage_order", pk=ecommerce_a.pk), {"order": wanted[:2]}, HTTP_ACCEPT="application/json"
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid"
    junk = client.post(url("stage_order", pk=ecommerce_a.pk), {"order": ["one"]})
    assert junk.status_code == 400


def test_archive_hides_from_the_list_and_the_map_and_keeps_rows(
    client_as, manager_a, ecommerce_a, org_a
):
    client = client_as(manager_a)
    purchase = touchpoint(org_a, "purchase")
    response = client.post(url("touchpoint_archive", pk=purchase.pk))
    assert response.status_code == 302
    map_html = client.get(url("map", pk=ecommerce_a.pk)).content.decode()
    assert "Touchpoint “Places the order and pays” archived" in map_html  # the message
    assert f'id="touchpoint-{purchase.pk}"' not in map_html
    map_html = client.get(url("map", pk=ecommerce_a.pk)).content.decode()
    assert "Places the order and pays" not in map_html
    assert client.get(url("touchpoint", pk=purchase.pk)).status_code == 404

    delivery = stage_named(org_a, ecommerce_a, "Delivery")
    client.post(url("stage_archive", pk=delivery.pk), follow=True)
    map_html = client.get(url("map", pk=ecommerce_a.pk)).content.decode()
    assert "Receives the parcel" not in map_html and "Delivery" not in map_html

    assert url("map", pk=ecommerce_a.pk) in client.get(url("list")).content.decode()
    client.post(url("archive", pk=ecommerce_a.pk), follow=True)
    assert url("map", pk=ecommerce_a.pk) not in client.get(url("list")).content.decode()
    assert client.get(url("map", pk=ecommerce_a.pk)).status_code == 404
    assert client.post(url("archive", pk=ecommerce_a.pk)).status_code == 404
    with organization_scope(org_a):
        assert Journey.objects.filter(pk=ecommerce_a.pk).exists()
        assert Touchpoint.objects.filter(stage__journey=ecommerce_a).count() == 10
    actions = set(AuditEvent.objects.unscoped().values_list("action", flat=True))
    assert {"touchpoint.archived", "stage.archived", "journey.archived"} <= actions


def test_blank_journey_then_edit(client_as, manager_a, org_a):
    client = client_as(manager_a)
    with organization_scope(org_a):
        persona = Persona.objects.create(name="Weekend shopper")
    response = client.post(
        url("new"), {"name": "Renting a car", "kind": "user", "persona": persona.pk}
    )
    journey = in_a(org_a, lambda: Journey.objects.get(name="Renting a car"))
    assert response["Location"] == url("map", pk=journey.pk)
    assert "No stage yet." in client.get(url("map", pk=journey.pk)).content.decode()
    response = client.post(url("edit", pk=journey.pk), {"name": "", "kind": "user"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    client.post(url("edit", pk=journey.pk), {"name": "Car rental", "kind": "user"})
    journey = in_a(org_a, lambda: Journey.objects.get(pk=journey.pk))
    assert (journey.name, journey.persona) == ("Car rental", None)
    event = AuditEvent.objects.unscoped().get(action="journey.updated")
    assert event.changes == {"name": ["Renting a car", "Car rental"], "persona": [persona.pk, None]}


def test_personas_list_create_edit_archive(client_as, manager_a, agent_a, org_a, org_b):
    with organization_scope(org_a):
        segment = Segment.objects.create(name="Gold members", conditions=[])
    with organization_scope(org_b):
        Segment.objects.create(name="Beta VIPs", conditions=[])
    client = client_as(manager_a)
    form = client.get(url("persona_new")).content.decode()
    assert "Gold members" in form and "Beta VIPs" not in form
    response = client.post(
        url("persona_new"),
        {"name": "Loyal Lucie", "goals": "Be recognised", "segment": segment.pk},
    )
    assert response["Location"] == url("personas")
    persona = in_a(org_a, lambda: Persona.objects.get())
    assert persona.segment == segment
    listing = client.get(url("personas")).content.decode()
    assert "Loyal Lucie" in listing and "Gold members" in listing
    client.post(url("persona_edit", pk=persona.pk), {"name": "Loyal Lucie", "segment": ""})
    assert in_a(org_a, lambda: Persona.objects.get()).segment is None
    agent_view = client_as(agent_a).get(url("personas")).content.decode()
    assert "Loyal Lucie" in agent_view and "New persona" not in agent_view
    response = client_as(manager_a).post(url("persona_archive", pk=persona.pk), follow=True)
    assert "Persona “Loyal Lucie” archived." in response.content.decode()
    assert "Loyal Lucie" not in client_as(manager_a).get(url("personas")).content.decode()
    assert in_a(org_a, lambda: Persona.objects.filter(pk=persona.pk).exists())


def test_navigation_and_the_setup_step(client_as, manager_a, agent_a, org_a):
    client = client_as(manager_a)
    home = client.get(reverse("tenancy:home", kwargs={"org_slug": "alpha"})).content.decode()
    assert url("list") in home and url("personas") in home
    assert "Map a customer journey" in home
    step = home[home.index("Map a customer journey") :]
    assert '<span class="count">0</span>' in step[:300]
    client.post(url("from_template"), {"template": "b2b"})
    home = client.get(reverse("tenancy:home", kwargs={"org_slug": "alpha"})).content.decode()
    step = home[home.index("Map a customer journey") :]
    assert '<span class="count">1</span>' in step[:300]
    agent_home = client_as(agent_a).get(reverse("tenancy:home", kwargs={"org_slug": "alpha"}))
    assert url("list") in agent_home.content.decode()


def test_the_touchpoint_page_shows_everything(
    client_as, agent_a, ecommerce_a, org_a, listening_lines
):
    parcel = touchpoint(org_a, "parcel-received")
    html = client_as(agent_a).get(url("touchpoint", pk=parcel.pk)).content.decode()
    assert "Deliver on time, in good condition, as promised." in html
    assert "parcel-received" in html
    assert "Hot SMS survey after parcel-received" in html
    assert url("touchpoint_edit", pk=parcel.pk) not in html
