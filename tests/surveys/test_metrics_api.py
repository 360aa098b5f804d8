"""GET /api/v1/metrics/: the numbers of the API key's organization; every bad parameter is a 400
naming it; another organization's id is answered like a missing one; the key needs ``read``."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from surveys.rollups import rebuild_rollups
from tests.surveys.metrics_fixtures import (
    make_shop,
    write_interactions,
    write_invitations,
    write_responses,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/metrics/"


@pytest.fixture
def shop(org_a, manager_a):
    """Five NPS answers of the last days (9, 9, 10, 3, 7), two of them to invitations sent
    from a store in Lyon; six invitations sent, two answered."""
    shop = make_shop(org_a, manager_a)
    now = timezone.now() - timedelta(hours=1)
    first, second = shop.touchpoints[0], shop.touchpoints[1]
    contact = shop.contacts[0]
    interactions = write_interactions(
        shop, [(first, contact, {"store": "Lyon"}), (first, contact, {"store": "Paris"})]
    )
    invitations = write_invitations(
        shop,
        [
            {
                "touchpoint": first,
                "contact": contact,
                "state": state,
                "sent_at": now - timedelta(days=2),
                "interaction": interactions[0] if index < 2 else interactions[1],
            }
            for index, state in enumerate(
                ["answered", "answered", "sent", "delivered", "expired", "failed", "sent"]
            )
        ],
    )
    write_responses(
        shop,
        [
            {
                "at": now - timedelta(days=days),
                "touchpoint": touchpoint,
                "channel": channel,
                "invitation": invitation,
                "answers": [("nps", score, "")],
            }
            for days, touchpoint, channel, score, invitation in (
                (1, first, "sms", 9, invitations[0]),
                (1, first, "sms", 9, invitations[1]),
                (2, first, "email", 10, None),
                (3, second, "link", 3, None),
                (40, second, "link", 0, None),  # the previous period
            )
        ],
    )
    write_responses(
        shop,
        [{"at": now, "touchpoint": second, "channel": "qr", "answers": [("nps", 7, "")]}],
    )
    rebuild_rollups(org_a)
    return shop


@pytest.fixture
def api(api_client_for, org_a):
    return api_client_for(org_a, scopes=("read",))


def test_it_answers_the_last_30_days_by_default(shop, api):
    response = api.get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    today = timezone.localdate(timezone=ZoneInfo("Europe/Paris"))
    assert body["organization"] == "alpha" and body["metric"] == "nps"
    assert body["until"] == today.isoformat()
    assert body["since"] == (today - timedelta(days=29)).isoformat()
    assert body["computed_live"] is False and body["groups"] == []
    overall = body["overall"]
    assert overall["n"] == 5 and overall["value"] == 40.0  # 3 promoters, 1 detractor of 5
    assert overall["buckets"] == {"promoters": 3, "passives": 1, "detractors": 1}
    assert overall["low_n"] is True and len(overall["ci95"]) == 2
    assert body["response_rate"] == {
        "answered": 2,
        "base": 6,
        "rate": pytest.approx(100 / 3),
        "warning": False,
    }
    assert body["previous"]["n"] == 1 and body["previous"]["value"] == -100.0
    assert body["change"] == {"delta": 140.0, "significant": body["change"]["significant"]}


def test_it_groups(shop, api):
    body = api.get(URL, {"group_by": "touchpoint"}).json()
    groups = {group["key"]: group for group in body["groups"]}
    first, second = str(shop.touchpoints[0].pk), str(shop.touchpoints[1].pk)
    assert groups[first]["n"] == 3 and groups[first]["value"] == 100.0
    assert groups[first]["label"] == shop.touchpoints[0].name
    assert groups[first]["response_rate"]["base"] == 6
    assert groups[second]["n"] == 2 and groups[second]["buckets"]["detractors"] == 1
    channels = api.get(URL, {"group_by": "channel"}).json()["groups"]
    assert {g["key"]: g["n"] for g in channels} == {"sms": 2, "email": 1, "link": 1, "qr": 1}
    days = api.get(URL, {"group_by": "day", "since": "2026-03-01", "until": "2026-03-31"}).json()
    assert len(days["groups"]) == 31 and days["groups"][0]["key"] == "2026-03-01"
    assert days["groups"][0]["value"] is None and days["groups"][0]["reason"] == "no_answers"


def test_it_filters(shop, api):
    first = shop.touchpoints[0]
    body = api.get(URL, {"touchpoint": first.pk, "channel": "sms"}).json()
    assert body["overall"]["n"] == 2
    body = api.get(URL, {"stage": first.stage_id, "journey": shop.journey.pk}).json()
    same_stage = shop.touchpoints[1].stage_id == first.stage_id
    assert body["overall"]["n"] == (5 if same_stage else 3)
    body = api.get(URL, {"metric": "csat"}).json()
    assert body["metric"] == "csat" and body["overall"]["n"] == 0
    assert body["overall"]["value"] is None and body["overall"]["ci95"] is None


def test_segment_and_attributes_are_computed_live(shop, api):
    body = api.get(URL, {"attr.store": "Lyon"}).json()
    assert body["computed_live"] is True and body["overall"]["n"] == 2
    assert body["response_rate"]["base"] == 2
    body = api.get(URL, {"group_by": "attr:store"}).json()
    assert body["computed_live"] is True
    # Paris had invitations, none answered: listed, with n = 0.
    assert {g["key"]: g["n"] for g in body["groups"]} == {"Lyon": 2, "Paris": 0, "": 3}
    body = api.get(URL, {"segment": shop.french.pk}).json()
    assert body["computed_live"] is True and body["overall"]["n"] == 0


@pytest.mark.parametrize(
    "params, field",
    [
        ({"metric": "wow"}, "metric"),
        ({"since": "2026-02-30"}, "since"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "since"),
        ({"since": "0001-01-01"}, "since"),
        ({"group_by": "hour"}, "group_by"),
        ({"group_by": "attr:"}, "group_by"),
        ({"group_by": "day", "since": "1900-01-01", "until": "2199-12-31"}, "group_by"),
        ({"channel": "fax"}, "channel"),
        ({"touchpoint": "abc"}, "touchpoint"),
        ({"touchpoint": "-3"}, "touchpoint"),
        ({"journey": "1.5"}, "journey"),
        ({"stage": "999999999"}, "stage"),
        ({"segment": "99999999999999999999999"}, "segment"),
        ({"attr.bad name": "x"}, "attr.bad name"),
        ({"attr.store": "a\x00b"}, "attr.store"),
    ],
)
def test_every_bad_parameter_is_a_400_naming_it(shop, api, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid" and list(body["fields"]) == [field]
    assert body["fields"][field] and field in body["detail"]


def test_another_organizations_ids_are_answered_like_missing_ones(shop, api, org_b):
    other = make_shop(org_b)
    for name, foreign in (
        ("touchpoint", other.touchpoints[0].pk),
        ("stage", other.stages[0].pk),
        ("journey", other.journey.pk),
        ("segment", other.french.pk),
    ):
        answers = [api.get(URL, {name: value}) for value in (foreign, 987654321)]
        assert [a.status_code for a in answers] == [400, 400]
        assert answers[0].json() == answers[1].json()
        assert answers[0].json()["fields"] == {name: [f"No such {name}."]}


def test_the_key_needs_the_read_scope(shop, api_client_for, org_a, client):
    assert api_client_for(org_a, scopes=("ingest",)).get(URL).status_code == 403
    assert api_client_for(org_a, scopes=("admin",)).get(URL).status_code == 200
    anonymous = client.get(URL)
    assert anonymous.status_code == 401 and anonymous.json()["error"]


def test_another_organization_sees_its_own_numbers(shop, api_client_for, org_b):
    body = api_client_for(org_b, scopes=("read",)).get(URL, {"group_by": "touchpoint"}).json()
    assert body["organization"] == "beta" and body["overall"]["n"] == 0
    assert body["groups"] == []


def test_it_costs_a_constant_number_of_queries(shop, api, django_assert_max_num_queries):
    # The key (2: find it, record its use at most once a minute), then the measurement.
    with django_assert_max_num_queries(8):
        api.get(URL, {"group_by": "touchpoint", "journey": shop.journey.pk})
