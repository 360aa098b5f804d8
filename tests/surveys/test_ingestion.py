"""POST /api/v1/interactions/: idempotency, validation, and the decisions in the answer."""

import json
from datetime import UTC, datetime

import pytest
import time_machine

from surveys import signals
from surveys.models import Interaction, Invitation, ListeningRule
from vocapp.contacts.models import Contact
from vocapp.tenancy.scope import organization_scope

from .conftest import in_scope

# A Tuesday at 10:00 in Paris: inside the default SMS window.
TUESDAY_10_PARIS = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
URL = "/api/v1/interactions/"


@pytest.fixture
def hot_rule(org_a, parcel_received, nps_survey):
    return in_scope(
        org_a,
        lambda: ListeningRule.objects.create(
            touchpoint=parcel_received, survey=nps_survey, channels=["sms", "email"]
        ),
    )


@pytest.fixture
def api(api_client_for, org_a):
    return api_client_for(org_a, scopes=("ingest", "read"))


def event(external_id="order-1-delivered", **overrides):
    body = {
        "touchpoint": "parcel-received",
        "external_id": external_id,
        "occurred_at": "2026-03-10T09:55:00+01:00",
        "contact": {
            "external_id": "c-1",
            "phone": "+33612345678",
            "email": "lea@example.test",
            "sms_consent": True,
            "time_zone": "Europe/Paris",
        },
        "attributes": {"store": "Lyon", "order_value": 82.5},
    }
    body.update(overrides)
    return body


@pytest.fixture
def clock():
    with time_machine.travel(TUESDAY_10_PARIS, tick=False) as traveller:
        yield traveller


def test_an_interaction_schedules_a_hot_sms_at_once(api, hot_rule, clock):
    answer = api.post(URL, event(), format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "created"
    [invitation] = body["invitations"]
    assert invitation["state"] == "scheduled"
    assert invitation["channel"] == "sms"
    assert invitation["kind"] == "hot"
    assert invitation["send_at"] == "2026-03-10T09:00:00+00:00"
    with organization_scope(hot_rule.organization):
        stored = Invitation.objects.get()
        assert stored.survey_version == hot_rule.survey.current_version
    assert len(stored.token) >= 22  # 128 random bits, URL-safe


def test_a_replay_returns_the_first_answer_and_schedules_nothing(api, hot_rule, clock):
    first = api.post(URL, event(), format="json").json()
    again = api.post(URL, event(), format="json")
    assert again.status_code == 200
    assert again.json()["status"] == "replayed"
    assert again.json()["invitations"] == first["invitations"]
    assert again.json()["interaction"] == first["interaction"]
    with organization_scope(hot_rule.organization):
        assert Interaction.objects.count() == 1
        assert Invitation.objects.count() == 1


def test_the_same_external_id_with_another_payload_is_a_409_naming_the_field(api, hot_rule, clock):
    api.post(URL, event(), format="json")
    answer = api.post(URL, event(occurred_at="2026-03-10T09:58:00+01:00"), format="json")
    assert answer.status_code == 409
    body = answer.json()
    assert body["error"] == "conflict"
    assert list(body["fields"]) == ["occurred_at"]
    assert "occurred_at" in body["detail"]
    with organization_scope(hot_rule.organization):
        assert Interaction.objects.count() == 1


def test_a_touchpoint_named_by_id_or_by_key_is_the_same_payload(
    api, hot_rule, parcel_received, clock
):
    api.post(URL, event(), format="json")
    answer = api.post(URL, event(touchpoint=parcel_received.pk), format="json")
    assert answer.json()["status"] == "replayed"


def test_more_than_five_minutes_in_the_future_is_a_400(api, hot_rule, clock):
    answer = api.post(URL, event(occurred_at="2026-03-10T10:06:00+01:00"), format="json")
    assert answer.status_code == 400
    assert "future" in answer.json()["fields"]["occurred_at"][0]
    near = api.post(URL, event(occurred_at="2026-03-10T10:04:00+01:00"), format="json")
    assert near.status_code == 201


def test_an_event_older_than_the_rules_maximum_age_is_suppressed_as_stale(api, hot_rule, clock):
    answer = api.post(URL, event(occurred_at="2026-03-09T09:59:00+01:00"), format="json")
    assert answer.status_code == 201
    [invitation] = answer.json()["invitations"]
    assert (invitation["state"], invitation["reason"]) == ("suppressed", "stale_event")
    fresh = api.post(URL, event("other", occurred_at="2026-03-09T10:01:00+01:00"), format="json")
    assert fresh.json()["invitations"][0]["state"] == "scheduled"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"touchpoint": "no-such-touchpoint"}, "touchpoint"),
        ({"touchpoint": None}, "touchpoint"),
        ({"touchpoint": "³5"}, "touchpoint"),  # a digit to str.isdigit(), not to int()
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": 12}, "occurred_at"),
        ({"contact": "c-1"}, "contact"),
        ({"contact": {"email": "x@example.test"}}, "contact.external_id"),
        ({"contact": {"external_id": "c-9", "phone": "not a phone"}}, "contact.phone"),
        ({"attributes": ["store"]}, "attributes"),
        ({"attributes": {"basket": {"a": 1}}}, "attributes.basket"),
        ({"external_id": ["x"]}, "external_id"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(
    api, hot_rule, clock, change, field
):
    answer = api.post(URL, event(**change), format="json")
    assert answer.status_code == 400
    assert field in answer.json()["fields"], answer.json()
    with organization_scope(hot_rule.organization):
        assert not Interaction.objects.exists()


def test_another_organizations_touchpoint_key_is_unknown(api_client_for, org_b, hot_rule, clock):
    answer = api_client_for(org_b, scopes=("ingest",)).post(URL, event(), format="json")
    assert answer.status_code == 400
    assert answer.json()["fields"]["touchpoint"] == ["No touchpoint 'parcel-received'."]


def test_errors_are_in_the_language_the_integrator_asks_for(api, hot_rule, clock):
    french = {"format": "json", "HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}
    answer = api.post(URL, event(touchpoint="no-such-touchpoint"), **french)
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "invalid",
        "detail": "Certains champs ne sont pas valides : touchpoint.",
        "fields": {"touchpoint": ["Aucun point de contact « no-such-touchpoint »."]},
    }
    answer = api.post(URL, event(occurred_at="demain"), **french)
    assert answer.json()["fields"] == {
        "occurred_at": ["« demain » n’est pas une date et une heure ISO 8601."]
    }
    bad_phone = event()
    bad_phone["contact"]["phone"] = "12"
    answer = api.post(URL, bad_phone, **french)
    assert answer.json()["fields"] == {
        "contact.phone": ["« 12 » n’est pas un numéro de téléphone valide."]
    }
    with organization_scope(hot_rule.organization):
        assert not Interaction.objects.exists()


def test_the_contact_is_upserted_with_the_interaction(api, hot_rule, clock):
    api.post(URL, event(), format="json")
    api.post(
        URL,
        event("second", contact={"external_id": "c-1", "first_name": "Léa"}),
        format="json",
    )
    with organization_scope(hot_rule.organization):
        contact = Contact.objects.get(external_id="c-1")
    assert contact.first_name == "Léa"
    assert contact.phone == "+33612345678"  # absent means unchanged


def test_reading_needs_no_ingest_scope_and_writing_needs_it(api_client_for, org_a, hot_rule):
    reader = api_client_for(org_a, scopes=("read",))
    assert reader.get(URL).status_code == 200
    assert reader.post(URL, event(), format="json").status_code == 403


def test_bulk_answers_per_row_and_nudges_once(
    api, hot_rule, clock, django_capture_on_commit_callbacks
):
    nudges = []

    def receiver(sender, organization_id, **kwargs):
        nudges.append(organization_id)

    signals.invitations_due.connect(receiver)
    try:
        rows = [
            event(
                f"e-{n}",
                contact={"external_id": f"c-{n}", "phone": f"+3361234560{n}", "sms_consent": True},
            )
            for n in range(5)
        ]
        rows.append(event("bad", occurred_at="not a date"))
        rows.append(event("e-0", contact={"external_id": "c-0"}))
        with django_capture_on_commit_callbacks(execute=True):
            answer = api.post(URL + "bulk/", {"interactions": rows}, format="json")
    finally:
        signals.invitations_due.disconnect(receiver)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["created"], body["rejected"]) == (5, 2)
    assert [r["status"] for r in body["results"]] == ["created"] * 5 + ["rejected"] * 2
    assert "occurred_at" in body["results"][5]["errors"]
    assert "appears twice" in body["results"][6]["errors"]["external_id"][0]
    assert all(r["invitations"][0]["state"] == "scheduled" for r in body["results"][:5])
    assert nudges == [hot_rule.organization_id]


def test_bulk_refuses_more_than_5000_rows(api, hot_rule):
    answer = api.post(URL + "bulk/", {"interactions": [{}] * 5001}, format="json")
    assert answer.status_code == 400
    assert "5000" in answer.json()["fields"]["interactions"][0]


def test_two_interactions_of_one_person_in_one_request_make_one_survey(api, hot_rule, clock):
    rows = [event("a"), event("b", occurred_at="2026-03-10T09:57:00+01:00")]
    body = api.post(URL + "bulk/", {"interactions": rows}, format="json").json()
    first, second = (r["invitations"][0] for r in body["results"])
    assert first["state"] == "scheduled"
    assert (second["state"], second["reason"]) == ("suppressed", "duplicate")


def test_naive_times_are_read_in_the_organizations_time_zone(api, hot_rule, clock, org_a):
    answer = api.post(URL, event(occurred_at="2026-03-10T09:55:00"), format="json")
    interaction = in_scope(org_a, lambda: Interaction.objects.get())
    expected = datetime(2026, 3, 10, 9, 55, tzinfo=org_a_zone(org_a)).astimezone(UTC)
    assert answer.status_code == 201
    assert interaction.occurred_at == expected


def org_a_zone(organization):
    from zoneinfo import ZoneInfo

    return ZoneInfo(organization.time_zone)


def test_invitations_are_listed_with_their_reasons(api, hot_rule, clock):
    api.post(URL, event(occurred_at="2026-03-01T09:00:00+01:00"), format="json")
    listed = api.get("/api/v1/invitations/?reason=stale_event").json()
    assert [row["reason"] for row in listed["results"]] == ["stale_event"]
    assert api.get("/api/v1/invitations/?reason=bogus").status_code == 400
    assert api.get("/api/v1/invitations/?touchpoint=999999").status_code == 400


def test_nothing_is_scheduled_without_a_rule(api, parcel_received, clock):
    answer = api.post(URL, event(), format="json")
    assert answer.status_code == 201
    assert answer.json()["invitations"] == []


def test_an_inactive_rule_schedules_nothing_but_the_interaction_is_kept(api, hot_rule, clock):
    hot_rule.active = False
    in_scope(hot_rule.organization, lambda: hot_rule.save())
    answer = api.post(URL, event(), format="json")
    assert answer.json()["invitations"] == []
    assert in_scope(hot_rule.organization, lambda: Interaction.objects.count()) == 1


def test_gdpr_export_lists_interactions_and_invitations_and_erasure_scrubs_attributes(
    api, hot_rule, clock, org_a
):
    from vocapp.contacts.gdpr import erase_contact, export_contact

    api.post(URL, event(), format="json")
    with organization_scope(org_a):
        contact = Contact.objects.get(external_id="c-1")
        exported = export_contact(contact)
        assert exported["interactions"][0]["attributes"] == {"store": "Lyon", "order_value": 82.5}
        assert exported["invitations"][0]["channel"] == "sms"
        erase_contact(None, contact)
        assert Interaction.objects.get().attributes == {}
    replay = api.post(URL, event(), format="json")
    assert replay.json()["status"] == "replayed"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"external_id": "order\x00-1"}, "external_id"),
        ({"external_id": "order-\ud800"}, "external_id"),
        ({"attributes": {"store": "Ly\x00on"}}, "attributes.store"),
        ({"touchpoint": "parcel\x00"}, "touchpoint"),
    ],
)
def test_text_the_database_cannot_store_is_a_400_in_bulk_too(api, hot_rule, clock, change, field):
    # json.dumps escapes a lone surrogate as \ud800, as a client in another language would.
    payload = json.dumps({"interactions": [event(**change)]})
    body = api.post(URL + "bulk/", payload, content_type="application/json")
    assert body.status_code == 200
    [row] = body.json()["results"]
    assert row["status"] == "rejected" and field in row["errors"], row


def test_bulk_answers_name_the_rows_stored_with_the_values_given(api, hot_rule, clock, org_a):
    rows = [
        event(
            f"e-{n}",
            contact={"external_id": f"c-{n}", "phone": f"+3361234560{n}", "sms_consent": True},
            attributes={"store": "Lyon\tnord", "note": 'a "quoted"\nline \\ é', "n": n},
        )
        for n in range(3)
    ]
    body = api.post(URL + "bulk/", {"interactions": rows}, format="json").json()
    with organization_scope(org_a):
        interactions = {i.pk: i for i in Interaction.objects.select_related("contact")}
        invitations = {i.pk: i for i in Invitation.objects.all()}
    assert len(interactions) == len(invitations) == 3
    for n, result in enumerate(body["results"]):
        interaction = interactions[result["interaction"]]
        assert interaction.external_id == f"e-{n}"
        assert interaction.attributes == rows[n]["attributes"]
        assert set(interaction.fingerprint) == {
            "contact",
            "occurred_at",
            "attributes",
            "touchpoint",
        }
        assert interaction.received_at == TUESDAY_10_PARIS
        contact = interaction.contact
        assert (contact.external_id, contact.phone, contact.email) == (
            f"c-{n}",
            rows[n]["contact"]["phone"],
            "",
        )
        assert (
            contact.sms_consent_at == contact.created_at == contact.last_seen_at == TUESDAY_10_PARIS
        )
        [answered] = result["invitations"]
        stored = invitations[answered["id"]]
        assert (stored.interaction_id, stored.contact_id) == (interaction.pk, contact.pk)
        assert (stored.state, stored.channel, stored.send_at.isoformat()) == (
            answered["state"],
            answered["channel"],
            answered["send_at"],
        )
        assert stored.created_at == stored.state_changed_at == TUESDAY_10_PARIS
    # Stored in the order of the rows.
    assert sorted(interactions) == [r["interaction"] for r in body["results"]]


def test_a_unique_violation_while_storing_plans_the_batch_again(
    api, hot_rule, clock, org_a, monkeypatch
):
    """As when a concurrent request stores the same external_id first: the batch is retried."""
    from surveys import ingestion

    original, calls = ingestion.settle_replays, []

    def settle_then_collide(events):
        fresh = original(events)
        calls.append(len(fresh))
        if len(calls) == 1:  # the first attempt's interaction insert now hits the unique key
            contact = Contact.objects.create(external_id="other")
            Interaction.objects.create(
                touchpoint=hot_rule.touchpoint,
                contact=contact,
                external_id="e-0",
                occurred_at=TUESDAY_10_PARIS,
            )
        return fresh

    monkeypatch.setattr(ingestion, "settle_replays", settle_then_collide)
    body = api.post(URL + "bulk/", {"interactions": [event("e-0")]}, format="json").json()
    assert calls == [1, 1]  # the collision was rolled back with its attempt; the retry stored it
    assert body["created"] == 1
    with organization_scope(org_a):
        assert Interaction.objects.get().pk == body["results"][0]["interaction"]
        assert Invitation.objects.get().pk == body["results"][0]["invitations"][0]["id"]
