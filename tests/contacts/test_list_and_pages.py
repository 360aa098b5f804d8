"""Reading contacts: the API list (filters, search, cursor pagination) and detail; the contact list
page (search, segment filter) and the profile page (attributes, opt-outs, registered panels)."""

import copy
import html

import pytest
from django.conf import settings
from django.test import override_settings

from tests.contacts.conftest import CONTACTS_URL, assert_envelope, page_url
from vocapp import registry
from vocapp.contacts.models import Segment
from vocapp.contacts.upsert import upsert_contacts
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db


def seed(organization, rows):
    with organization_scope(organization):
        results = upsert_contacts(rows)
    assert all(r.status == "created" for r in results), [r.errors for r in results]
    return {r.external_id: r.contact for r in results}


@pytest.fixture
def people(declared):
    return seed(
        declared,
        [
            {
                "external_id": "crm-1",
                "first_name": "Alice",
                "email": "alice@shop.test",
                "phone": "+33612345678",
                "attributes": {"tier": "gold", "age": 41, "vip": True},
            },
            {
                "external_id": "crm-2",
                "first_name": "Bruno",
                "email": "bruno@bank.test",
                "attributes": {"tier": "silver", "age": 29},
                "email_opted_out": True,
            },
            {"external_id": "crm-3", "first_name": "Chloé", "phone": "+33698765432"},
        ],
    )


def gold_segment(organization):
    with organization_scope(organization):
        return Segment.objects.create(
            name="Gold", conditions=[{"attribute": "tier", "op": "eq", "value": "gold"}]
        )


def external_ids(response):
    assert response.status_code == 200, response.content
    return [row["external_id"] for row in response.json()["results"]]


# --- API -------------------------------------------------------------------------------------


def test_it_lists_contacts_newest_first(api, people):
    assert external_ids(api.get(CONTACTS_URL)) == ["crm-3", "crm-2", "crm-1"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"search": "ALICE"}, ["crm-1"]),
        ({"search": "bank.test"}, ["crm-2"]),
        ({"search": "98765"}, ["crm-3"]),
        ({"search": "crm-"}, ["crm-3", "crm-2", "crm-1"]),
        ({"search": "nobody"}, []),
        ({"external_id": "crm-2"}, ["crm-2"]),
        ({"email": "alice@shop.test"}, ["crm-1"]),
        ({"phone": "+33698765432"}, ["crm-3"]),
        ({"search": "crm", "email": "bruno@bank.test"}, ["crm-2"]),
    ],
)
def test_it_filters_and_searches_the_list(api, people, query, expected):
    assert external_ids(api.get(CONTACTS_URL, query)) == expected


def test_it_filters_the_list_by_a_segment(api, people, declared):
    segment = gold_segment(declared)
    assert external_ids(api.get(CONTACTS_URL, {"segment": segment.pk})) == ["crm-1"]


@pytest.mark.parametrize("value", ["999999", "gold", "other-org"])
def test_it_refuses_an_unknown_segment_naming_the_parameter(api, people, org_b, value):
    if value == "other-org":
        value = str(gold_segment(org_b).pk)
    body = assert_envelope(api.get(CONTACTS_URL, {"segment": value}), 400)
    assert body["fields"] == {"segment": ["No such segment."]}


def test_it_pages_with_a_cursor_through_every_contact_exactly_once(
    api, org_a, django_assert_max_num_queries
):
    seed(org_a, [{"external_id": f"p-{i:03d}"} for i in range(250)])
    seen, url, pages = [], CONTACTS_URL + "?page_size=100", 0
    while url:
        with django_assert_max_num_queries(6):
            response = api.get(url)
        body = response.json()
        assert "count" not in body  # a cursor, not an offset
        seen += [row["external_id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    assert seen == [f"p-{i:03d}" for i in reversed(range(250))]


def test_it_shows_one_contact_with_its_consent_and_opt_outs(api, people):
    contact = people["crm-2"]
    response = api.get(f"{CONTACTS_URL}{contact.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["external_id"] == "crm-2"
    assert body["attributes"] == {"tier": "silver", "age": 29}
    assert body["opted_out"] == {"sms": False, "email": True}
    assert body["erased"] is False


def test_it_answers_404_for_another_organizations_contact(api, org_b):
    theirs = seed(org_b, [{"external_id": "crm-1"}])["crm-1"]
    assert_envelope(api.get(f"{CONTACTS_URL}{theirs.pk}/"), 404, "not_found")
    assert external_ids(api.get(CONTACTS_URL)) == []


def test_it_needs_the_read_scope_to_list(org_a, api_client_for):
    ingest = api_client_for(org_a, scopes=("ingest",))
    assert_envelope(ingest.get(CONTACTS_URL), 403, "permission_denied")


# --- Pages -----------------------------------------------------------------------------------


def listed(response):
    assert response.status_code == 200
    content = response.content.decode()
    return [eid for eid in ("crm-1", "crm-2", "crm-3") if f"<code>{eid}</code>" in content]


def test_it_lists_contacts_on_the_page_for_every_member(client_as, agent_a, people, org_a):
    response = client_as(agent_a).get(page_url(org_a, "contacts/"))
    assert listed(response) == ["crm-1", "crm-2", "crm-3"]
    assert "3 contacts" in response.content.decode()


def test_it_searches_and_filters_by_segment_on_the_list_page(client_as, manager_a, people, org_a):
    client = client_as(manager_a)
    url = page_url(org_a, "contacts/")
    assert listed(client.get(url, {"q": "bruno"})) == ["crm-2"]
    segment = gold_segment(org_a)
    response = client.get(url, {"segment": segment.pk})
    assert listed(response) == ["crm-1"]
    assert "1 contact" in response.content.decode()
    assert listed(client.get(url, {"segment": segment.pk, "q": "bruno"})) == []


def test_it_leaves_erased_contacts_out_of_the_list_page(client_as, admin_a, people, org_a):
    client = client_as(admin_a)
    client.post(page_url(org_a, f"contacts/{people['crm-1'].pk}/erase/"))
    assert listed(client.get(page_url(org_a, "contacts/"))) == ["crm-2", "crm-3"]


def test_it_pages_the_list_page(client_as, admin_a, org_a):
    seed(org_a, [{"external_id": f"p-{i:03d}"} for i in range(60)])
    client = client_as(admin_a)
    first = client.get(page_url(org_a, "contacts/"), {"q": "p-"}).content.decode()
    assert "Page 1 of 2" in first
    assert "q=p-&amp;page=2" in first
    second = client.get(page_url(org_a, "contacts/"), {"q": "p-", "page": 2}).content.decode()
    assert second.count("<code>p-") == 10


def test_it_shows_the_profile_with_attributes_and_opt_out_state(
    client_as, manager_a, people, org_a
):
    alice = client_as(manager_a).get(page_url(org_a, f"contacts/{people['crm-1'].pk}/"))
    content = alice.content.decode()
    assert "alice@shop.test" in content and "+33612345678" in content
    # Attributes under their declared labels.
    assert "<dt>Tier</dt><dd>gold</dd>" in content
    assert "<dt>Age</dt><dd>41</dd>" in content
    assert content.count("no recorded consent") == 2
    bruno = client_as(manager_a).get(page_url(org_a, f"contacts/{people['crm-2'].pk}/"))
    content = bruno.content.decode()
    assert "opted out since" in content
    assert "bruno@bank.test (API or import)" in content


def test_it_escapes_what_customers_typed_on_the_pages(client_as, admin_a, org_a):
    contact = seed(org_a, [{"external_id": "x", "first_name": "<script>alert(1)</script>"}])["x"]
    client = client_as(admin_a)
    for path in ("contacts/", f"contacts/{contact.pk}/"):
        content = client.get(page_url(org_a, path)).content.decode()
        assert "<script>alert(1)</script>" not in content
        assert html.escape("<script>alert(1)</script>") in content


def test_it_answers_404_for_another_organizations_profile(client_as, admin_a, org_a, org_b):
    theirs = seed(org_b, [{"external_id": "crm-1"}])["crm-1"]
    response = client_as(admin_a).get(page_url(org_a, f"contacts/{theirs.pk}/"))
    assert response.status_code == 404


PANEL_TEMPLATES = {
    "tests/answers_panel.html": (
        "<p class='answers'>{{ data.count }} answers for {{ data.who }}</p>"
    ),
    "tests/money_panel.html": "<p class='money'>{{ data.total }} spent</p>",
}


@pytest.fixture
def registered_panels():
    """Two panels as later issues register them, rendered from in-memory templates."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["APP_DIRS"] = False
    templates[0]["OPTIONS"]["loaders"] = [
        ("django.template.loaders.locmem.Loader", PANEL_TEMPLATES),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    panels = [
        registry.Panel(
            "test-answers",
            "Answers",
            "tests/answers_panel.html",
            lambda organization, request, contact: {"count": 3, "who": contact.external_id},
        ),
        registry.Panel(
            "test-money",
            "Transactions",
            "tests/money_panel.html",
            lambda organization, request, contact: {"total": 120},
            capability="view_roi",
        ),
        registry.Panel(
            "test-hidden",
            "Nothing to show",
            "tests/money_panel.html",
            lambda organization, request, contact: None,
        ),
    ]
    with override_settings(TEMPLATES=templates):
        for panel in panels:
            registry.contact_panels.register(panel)
        try:
            yield panels
        finally:
            for panel in panels:
                registry.contact_panels.unregister(panel.key)


def test_it_shows_the_panels_later_issues_register_on_the_profile(
    client_as, manager_a, agent_a, people, org_a, registered_panels
):
    url = page_url(org_a, f"contacts/{people['crm-1'].pk}/")
    content = client_as(manager_a).get(url).content.decode()
    assert "<p class='answers'>3 answers for crm-1</p>" in content
    assert "<p class='money'>120 spent</p>" in content
    assert "Nothing to show" not in content
    # A panel needing a capability the member lacks stays hidden.
    content = client_as(agent_a).get(url).content.decode()
    assert "3 answers for crm-1" in content
    assert "spent" not in content


def test_it_offers_export_and_erase_by_role_on_the_profile(
    client_as, admin_a, manager_a, agent_a, people, org_a
):
    path = page_url(org_a, f"contacts/{people['crm-1'].pk}/")
    export = f"contacts/{people['crm-1'].pk}/export/"
    erase = f"contacts/{people['crm-1'].pk}/erase/"
    admin = client_as(admin_a).get(path).content.decode()
    assert export in admin and erase in admin
    manager = client_as(manager_a).get(path).content.decode()
    assert export in manager and erase not in manager
    agent = client_as(agent_a).get(path).content.decode()
    assert export not in agent and erase not in agent
