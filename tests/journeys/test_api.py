"""The journey API: CRUD, keys, positions, archive on DELETE, scoped references, audit."""

import pytest

from journeys.models import Journey, Persona, Stage, Touchpoint
from journeys.services import create_journey_from_template
from vocapp.contacts.models import Segment
from vocapp.tenancy.models import AuditEvent
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def api(api_client_for, org_a):
    return api_client_for(org_a)


def in_org(org, func):
    with organization_scope(org):
        return func()


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_build_a_journey_through_the_api(api, org_a, manager_a):
    segment = in_org(org_a, lambda: Segment.objects.create(name="Gold", conditions=[]))
    persona = api.post(
        f"{API}/personas/",
        {"name": "Lucie", "goals": "Speed", "segment": segment.pk},
        format="json",
    )
    assert persona.status_code == 201, persona.content
    journey = api.post(
        f"{API}/journeys/",
        {"name": "Subscription", "kind": "user", "persona": persona.json()["id"]},
        format="json",
    )
    assert journey.status_code == 201, journey.content
    journey_id = journey.json()["id"]
    first = api.post(f"{API}/stages/", {"journey": journey_id, "name": "Sign-up"}, format="json")
    second = api.post(f"{API}/stages/", {"journey": journey_id, "name": "Renewal"}, format="json")
    middle = api.post(
        f"{API}/stages/", {"journey": journey_id, "name": "Use", "position": 1}, format="json"
    )
    assert [first.json()["position"], second.json()["position"], middle.json()["position"]] == [
        0,
        1,
        1,
    ]
    listed = results(api.get(f"{API}/stages/", {"journey": journey_id}))
    assert [s["name"] for s in sorted(listed, key=lambda s: s["position"])] == [
        "Sign-up",
        "Use",
        "Renewal",
    ]

    touchpoint = api.post(
        f"{API}/touchpoints/",
        {
            "stage": first.json()["id"],
            "name": "Creates an account",
            "channel": "app",
            "is_moment_of_truth": True,
            "importance": 5,
            "owner": manager_a.pk,
            "public_key": "chosen-by-me",
        },
        format="json",
    )
    assert touchpoint.status_code == 201, touchpoint.content
    body = touchpoint.json()
    assert body["key"] == "creates-an-account"
    assert body["public_key"] != "chosen-by-me" and len(body["public_key"]) >= 16
    assert (body["journey"], body["owner"], body["position"]) == (journey_id, manager_a.pk, 0)
    assert body["direction"] == "pull" and body["target_score"] == 80

    found = results(api.get(f"{API}/touchpoints/", {"key": "creates-an-account"}))
    assert [t["id"] for t in found] == [body["id"]]
    actions = set(AuditEvent.objects.unscoped().values_list("action", flat=True))
    assert {"persona.created", "journey.created", "stage.created", "touchpoint.created"} <= actions
    event = AuditEvent.objects.unscoped().get(action="touchpoint.created")
    assert event.actor is None and event.actor_label.startswith("API key tests")


def test_update_a_touchpoint_key_stage_and_position(api, org_a, manager_a, ecommerce_a):
    parcel = in_org(org_a, lambda: Touchpoint.objects.get(key="parcel-received"))
    after_sales = in_org(org_a, lambda: Touchpoint.objects.get(key="support-call").stage)

    response = api.patch(
        f"{API}/touchpoints/{parcel.pk}/",
        {"key": "parcel-delivered", "stage": after_sales.pk, "position": 0, "target_score": 90},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["key"] == "parcel-delivered"
    assert response.json()["position"] == 0
    with organization_scope(org_a):
        keys = list(
            Touchpoint.objects.filter(stage=after_sales)
            .order_by("position")
            .values_list("key", flat=True)
        )
        assert keys == ["parcel-delivered", "support-call", "return-request"]
    event = AuditEvent.objects.unscoped().get(action="touchpoint.updated")
    assert event.changes["key"] == ["parcel-received", "parcel-delivered"]
    assert event.changes["target_score"] == [80, 90]


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"key": "purchase"}, "key", "Another touchpoint already uses the key 'purchase'."),
        ({"key": "Not A Key"}, "key", "Lower-case letters"),
        ({"importance": 9}, "importance", "less than or equal to 5"),
        ({"target_score": 101}, "target_score", "less than or equal to 100"),
        ({"channel": "pigeon"}, "channel", "not a valid choice"),
        ({"owner": 10**9}, "owner", "object does not exist"),
        ({"stage": None}, "stage", "may not be null"),
    ],
)
def test_validation_errors_name_the_field(body, field, message, api, org_a, ecommerce_a):
    parcel = in_org(org_a, lambda: Touchpoint.objects.get(key="parcel-received"))
    response = api.patch(f"{API}/touchpoints/{parcel.pk}/", body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["error"] == "invalid"
    assert field in data["detail"]
    assert any(message in text for text in data["fields"][field]), data


def test_a_touchpoint_needs_a_stage_and_a_name(api):
    response = api.post(f"{API}/touchpoints/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"stage", "name"}


def test_another_organizations_ids_are_answered_like_unknown_ids(
    api, org_a, org_b, outsider, ecommerce_a
):
    journey_b = create_journey_from_template(org_b, "retail", outsider)
    with organization_scope(org_b):
        stage_b = Stage.objects.filter(journey=journey_b).first()
        persona_b = Persona.objects.create(name="B persona")
        segment_b = Segment.objects.create(name="B segment", conditions=[])
    stage_a = in_org(org_a, lambda: Stage.objects.filter(journey=ecommerce_a).first())
    cases = [
        ("touchpoints", {"stage": stage_b.pk, "name": "x"}, "stage", stage_b.pk),
        (
            "touchpoints",
            {"stage": stage_a.pk, "name": "x", "owner": outsider.pk},
            "owner",
            outsider.pk,
        ),
        ("stages", {"journey": journey_b.pk, "name": "x"}, "journey", journey_b.pk),
        ("journeys", {"name": "x", "persona": persona_b.pk}, "persona", persona_b.pk),
        ("personas", {"name": "x", "segment": segment_b.pk}, "segment", segment_b.pk),
    ]
    for resource, body, field, foreign_id in cases:
        foreign = api.post(f"{API}/{resource}/", body, format="json")
        missing = api.post(f"{API}/{resource}/", {**body, field: 10**9}, format="json")
        assert foreign.status_code == missing.status_code == 400, resource
        assert foreign.json()["fields"][field] == [
            text.replace(str(10**9), str(foreign_id)) for text in missing.json()["fields"][field]
        ]
    # Reading or filtering by another organization's object is a 404 / the same 400.
    assert api.get(f"{API}/journeys/{journey_b.pk}/").status_code == 404
    assert api.delete(f"{API}/stages/{stage_b.pk}/").status_code == 404
    foreign = api.get(f"{API}/touchpoints/", {"journey": journey_b.pk})
    missing = api.get(f"{API}/touchpoints/", {"journey": 10**9})
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["fields"] == missing.json()["fields"] == {"journey": ["No such journey."]}
    assert in_org(org_b, lambda: Stage.objects.get(pk=stage_b.pk).archived_at) is None


def test_a_stage_stays_in_its_journey(api, org_a, manager_a, ecommerce_a):
    other = create_journey_from_template(org_a, "b2b", manager_a)
    stage = in_org(org_a, lambda: Stage.objects.filter(journey=ecommerce_a).first())
    response = api.patch(f"{API}/stages/{stage.pk}/", {"journey": other.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"journey": ["A stage cannot move to another journey."]}


def test_delete_archives_and_keeps_rows(api, org_a, ecommerce_a):
    parcel = in_org(org_a, lambda: Touchpoint.objects.get(key="parcel-received"))
    assert api.delete(f"{API}/touchpoints/{parcel.pk}/").status_code == 204
    listed = results(api.get(f"{API}/touchpoints/", {"journey": ecommerce_a.pk}))
    assert "parcel-received" not in {t["key"] for t in listed}
    archived = results(api.get(f"{API}/touchpoints/", {"archived": "true"}))
    assert [t["key"] for t in archived] == ["parcel-received"]
    kept = api.get(f"{API}/touchpoints/{parcel.pk}/")
    assert kept.status_code == 200 and kept.json()["archived_at"]
    # An archived stage can no longer receive touchpoints; an archived journey no stages.
    assert api.delete(f"{API}/journeys/{ecommerce_a.pk}/").status_code == 204
    stage = in_org(org_a, lambda: Stage.objects.filter(journey=ecommerce_a).first())
    refused = api.post(f"{API}/touchpoints/", {"stage": stage.pk, "name": "x"}, format="json")
    assert refused.status_code == 400 and "stage" in refused.json()["fields"]
    refused = api.post(f"{API}/stages/", {"journey": ecommerce_a.pk, "name": "x"}, format="json")
    assert refused.status_code == 400 and "journey" in refused.json()["fields"]
    assert results(api.get(f"{API}/journeys/")) == []
    with organization_scope(org_a):
        assert Journey.objects.filter(pk=ecommerce_a.pk).exists()
        assert Touchpoint.objects.filter(stage__journey=ecommerce_a).count() == 10
    assert AuditEvent.objects.unscoped().filter(action__endswith=".archived").count() == 2


def test_create_a_journey_from_a_template(api, org_a):
    persona = in_org(org_a, lambda: Persona.objects.create(name="Pro buyer"))
    response = api.post(
        f"{API}/journeys/from-template/",
        {"template": "b2b", "name": "Key accounts", "persona": persona.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Key accounts"
    assert response.json()["persona"] == persona.pk
    keys = {t["key"] for t in results(api.get(f"{API}/touchpoints/"))}
    assert {"contract-signed", "onboarding-kickoff", "support-ticket"} <= keys
    bad = api.post(f"{API}/journeys/from-template/", {"template": "nope"}, format="json")
    assert bad.status_code == 400 and "template" in bad.json()["fields"]


def test_a_read_key_reads_and_cannot_write(api_client_for, org_a, ecommerce_a):
    reader = api_client_for(org_a, scopes=("read",))
    assert len(results(reader.get(f"{API}/touchpoints/"))) == 10
    response = reader.post(f"{API}/journeys/", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert reader.delete(f"{API}/journeys/{ecommerce_a.pk}/").status_code == 403
    ingest = api_client_for(org_a, scopes=("ingest",))
    assert ingest.post(f"{API}/personas/", {"name": "x"}, format="json").status_code == 403
    assert in_org(org_a, lambda: Persona.objects.count()) == 0
