"""``GET /api/v1/responses/``: what customers answered, with the filters of the public contract
(touchpoint, journey, channel, since, until, score range), scoped to the key's organization."""

from datetime import UTC, datetime

import pytest

from journeys.models import Journey, Touchpoint
from journeys.services import create_journey_from_template
from surveys.answering import complete, record_answer, response_for
from surveys.models import Response
from vocapp.tenancy.scope import organization_scope

from .answering_fixtures import (
    make_contact,
    make_invitation,
    question,
)

pytestmark = pytest.mark.django_db

RESPONSES = "/api/v1/responses/"


@pytest.fixture
def touchpoints(org_a, manager_a):
    with organization_scope(org_a):
        create_journey_from_template(org_a, "ecommerce", manager_a)
        return {tp.key: tp for tp in Touchpoint.objects.select_related("stage")}


def answered(survey, contact, touchpoint, *, channel="sms", started=None, done=True, **values):
    """A response through the answering core, ``started`` moved afterwards."""
    invitation = make_invitation(survey, contact, touchpoint=touchpoint, channel=channel)
    with organization_scope(survey.organization):
        response = response_for(invitation, channel=channel, locale="en")
        for key, value in values.items():
            record_answer(response, question(survey, key), value)
        if done:
            complete(response)
        if started:
            Response.objects.filter(pk=response.pk).update(started_at=started)
    return response


@pytest.fixture
def three(every_kind, camille, touchpoints, org_a):
    """A detractor by SMS at parcel-received, a promoter by email at another touchpoint of the
    same journey, a passive's partial answer by QR at a touchpoint of another journey."""
    other_journey = create_other_journey(org_a)
    return {
        "detractor": answered(
            every_kind,
            camille,
            touchpoints["parcel-received"],
            started=datetime(2026, 3, 1, 9, tzinfo=UTC),
            nps=2,
            what_went_wrong="Broken box",
            channels=["ad"],
        ),
        "promoter": answered(
            every_kind,
            make_contact(org_a, "c-2"),
            touchpoints["order-confirmation"],
            channel="email",
            started=datetime(2026, 3, 5, 9, tzinfo=UTC),
            nps=10,
            csat=5,
        ),
        "partial": answered(
            every_kind,
            make_contact(org_a, "c-3"),
            other_journey,
            channel="qr",
            started=datetime(2026, 3, 9, 23, 30, tzinfo=UTC),
            done=False,
            nps=7,
        ),
    }


def create_other_journey(organization):
    from journeys.models import Stage

    with organization_scope(organization):
        journey = Journey.objects.create(name="Store visit")
        stage = Stage.objects.create(journey=journey, name="In store")
        return Touchpoint.objects.create(stage=stage, name="Checkout", key="checkout")


def ids(answer) -> list[int]:
    assert answer.status_code == 200, answer.json()
    return [item["id"] for item in answer.json()["results"]]


def test_it_lists_responses_with_their_answers_newest_first(
    api_client_for, org_a, three, touchpoints
):
    answer = api_client_for(org_a, scopes=["read"]).get(RESPONSES)
    assert ids(answer) == [three["partial"].pk, three["promoter"].pk, three["detractor"].pk]
    detractor = answer.json()["results"][2]
    assert detractor["score"] == 2
    assert detractor["channel"] == "sms"
    assert detractor["contact_external_id"] == "c-1"
    assert detractor["touchpoint"] == touchpoints["parcel-received"].pk
    assert detractor["journey"] == touchpoints["parcel-received"].stage.journey_id
    assert detractor["completed_at"] is not None
    assert [
        (a["question"], a["kind"], a["score"], a["text"], a["choices"])
        for a in detractor["answers"]
    ] == [
        ("nps", "nps", 2, "", []),
        ("what_went_wrong", "text", None, "Broken box", []),
        ("channels", "multiple", None, "", ["ad"]),
    ]
    assert answer.json()["results"][0]["completed_at"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"channel": "email"}, ["promoter"]),
        ({"score_min": "9"}, ["promoter"]),
        ({"score_max": "6"}, ["detractor"]),
        ({"score_min": "7", "score_max": "8"}, ["partial"]),
        ({"since": "2026-03-05"}, ["partial", "promoter"]),
        ({"until": "2026-03-05"}, ["promoter", "detractor"]),
        # A date is a whole day in the organization's time zone (Paris: 23:30 UTC is the 10th).
        ({"since": "2026-03-10"}, ["partial"]),
        ({"until": "2026-03-09"}, ["promoter", "detractor"]),
        ({"since": "2026-03-01T09:00:01Z", "until": "2026-03-05T09:00:00Z"}, ["promoter"]),
        ({"completed": "false"}, ["partial"]),
        ({"completed": "true"}, ["promoter", "detractor"]),
    ],
)
def test_it_filters(api_client_for, org_a, three, params, expected):
    answer = api_client_for(org_a, scopes=["read"]).get(RESPONSES, params)
    assert ids(answer) == [three[name].pk for name in expected]


def test_it_filters_on_a_touchpoint_and_a_journey(api_client_for, org_a, three, touchpoints):
    client = api_client_for(org_a, scopes=["read"])
    parcel = touchpoints["parcel-received"]
    assert ids(client.get(RESPONSES, {"touchpoint": parcel.pk})) == [three["detractor"].pk]
    journey = parcel.stage.journey_id
    assert ids(client.get(RESPONSES, {"journey": journey})) == [
        three["promoter"].pk,
        three["detractor"].pk,
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-45"}, "until"),
        ({"score_min": "high"}, "score_min"),
        ({"completed": "maybe"}, "completed"),
        ({"touchpoint": "999999"}, "touchpoint"),
        ({"journey": "abc"}, "journey"),
    ],
)
def test_a_wrong_filter_is_a_400_naming_it(api_client_for, org_a, three, params, field):
    answer = api_client_for(org_a, scopes=["read"]).get(RESPONSES, params)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid"
    assert list(answer.json()["fields"]) == [field]


def test_it_reads_one_response(api_client_for, org_a, three):
    client = api_client_for(org_a, scopes=["read"])
    answer = client.get(f"{RESPONSES}{three['promoter'].pk}/")
    assert answer.status_code == 200
    assert answer.json()["score"] == 10
    assert [a["question"] for a in answer.json()["answers"]] == ["nps", "csat"]


def test_it_checks_the_tenant(api_client_for, org_b, three, touchpoints):
    client = api_client_for(org_b, scopes=["read"])
    assert ids(client.get(RESPONSES)) == []
    assert client.get(f"{RESPONSES}{three['promoter'].pk}/").status_code == 404
    foreign = client.get(RESPONSES, {"touchpoint": touchpoints["parcel-received"].pk})
    assert foreign.status_code == 400
    assert foreign.json()["fields"] == {"touchpoint": ["No such touchpoint."]}


def test_it_requires_the_read_scope_and_writes_nothing(api_client_for, org_a, three):
    assert api_client_for(org_a, scopes=["ingest"]).get(RESPONSES).status_code == 403
    client = api_client_for(org_a, scopes=["admin"])
    assert client.post(RESPONSES, {}, format="json").status_code == 405
    assert client.delete(f"{RESPONSES}{three['promoter'].pk}/").status_code == 405


def test_its_query_count_does_not_grow_with_the_responses(
    api_client_for, org_a, three, django_assert_max_num_queries
):
    client = api_client_for(org_a, scopes=["read"])
    with django_assert_max_num_queries(8):
        assert len(ids(client.get(RESPONSES))) == 3
