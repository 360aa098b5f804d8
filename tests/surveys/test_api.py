"""The API of surveys, listening rules and campaigns: CRUD, errors naming fields, scoping."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journeys.models import Touchpoint
from journeys.services import create_journey_from_template
from surveys.library import create_from_library
from surveys.models import Campaign, ListeningRule, Survey
from vocapp.tenancy.models import AuditEvent
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db

SURVEYS = "/api/v1/surveys/"
RULES = "/api/v1/listening-rules/"
CAMPAIGNS = "/api/v1/campaigns/"

NEW_SURVEY = {
    "name": "Store visit",
    "intro": {"en": "Thanks for visiting.", "fr": "Merci de votre visite."},
    "questions": [
        {"key": "csat", "kind": "csat", "texts": {"en": "Satisfied?", "fr": "Satisfait ?"}},
        {
            "key": "why",
            "kind": "text",
            "texts": {"en": "What went wrong?", "fr": "Qu'est-ce qui n'a pas été ?"},
            "show_if_score_min": 1,
            "show_if_score_max": 3,
        },
    ],
}


@pytest.fixture
def theirs(org_b, outsider):
    """Organization B's touchpoint, survey and segment."""
    from vocapp.contacts.models import Segment

    with organization_scope(org_b):
        create_journey_from_template(org_b, "ecommerce", outsider)
        return {
            "touchpoint": Touchpoint.objects.get(key="parcel-received"),
            "survey": create_from_library(None, org_b, "post_purchase_nps"),
            "segment": Segment.objects.create(name="Their segment", conditions=[]),
        }


def test_create_read_and_list_a_survey_with_its_questions(api_client_for, org_a):
    client = api_client_for(org_a)
    response = client.post(SURVEYS, NEW_SURVEY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 1
    assert [q["key"] for q in body["questions"]] == ["csat", "why"]
    assert (body["questions"][0]["scale_min"], body["questions"][0]["scale_max"]) == (1, 5)
    assert body["intro"]["fr"] == "Merci de votre visite."
    assert client.get(f"{SURVEYS}{body['id']}/").json() == body
    assert [item["id"] for item in client.get(SURVEYS).json()["results"]] == [body["id"]]
    with organization_scope(org_a):
        event = AuditEvent.objects.get(action="survey.created")
    assert event.actor is None and event.actor_label.startswith("API key tests")


def test_a_survey_with_errors_gets_a_400_naming_each_field(api_client_for, org_a):
    client = api_client_for(org_a)
    body = {
        "name": "",
        "questions": [
            {"kind": "stars", "texts": {"en": "?"}},
            {"kind": "nps", "texts": {"en": "?"}, "scale_min": 1, "scale_max": 10},
        ],
    }
    response = client.post(SURVEYS, body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["error"] == "invalid"
    assert set(error["fields"]) == {"name", "questions.0.kind"}
    body["name"] = "Fixed"
    body["questions"][0]["kind"] = "text"
    response = client.post(SURVEYS, body, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"questions.1.scale_max"}
    response = client.post(SURVEYS, {"name": "Empty", "questions": []}, format="json")
    assert set(response.json()["fields"]) == {"questions"}
    with organization_scope(org_a):
        assert not Survey.objects.exists()


def test_patch_renames_without_a_new_version(api_client_for, org_a, nps_survey):
    client = api_client_for(org_a)
    response = client.patch(f"{SURVEYS}{nps_survey.pk}/", {"name": "NPS"}, format="json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["version"]) == ("NPS", 1)
    with organization_scope(org_a):
        assert AuditEvent.objects.get(action="survey.saved").changes == {
            "name": ["Post-purchase NPS", "NPS"]
        }


def test_a_key_with_the_read_scope_reads_but_does_not_write(api_client_for, org_a, nps_survey):
    client = api_client_for(org_a, scopes=("read",))
    assert client.get(SURVEYS).status_code == 200
    for method, path in (
        ("post", SURVEYS),
        ("patch", f"{SURVEYS}{nps_survey.pk}/"),
        ("delete", f"{SURVEYS}{nps_survey.pk}/"),
        ("post", RULES),
        ("post", CAMPAIGNS),
    ):
        response = getattr(client, method)(path, {"name": "x"}, format="json")
        assert response.status_code == 403, (method, path)
        assert response.json()["error"] == "permission_denied"


def rule_body(touchpoint, survey, **changes):
    return {
        "touchpoint": touchpoint.pk,
        "survey": survey.pk,
        "channels": ["sms", "email"],
        "timing": "hot",
        **changes,
    }


def test_listening_rules_crud(api_client_for, org_a, nps_survey, parcel_received):
    client = api_client_for(org_a)
    response = client.post(RULES, rule_body(parcel_received, nps_survey), format="json")
    assert response.status_code == 201, response.json()
    rule = response.json()
    assert rule["touchpoint_key"] == "parcel-received"
    assert rule["survey_name"] == "Post-purchase NPS"
    assert (rule["priority"], rule["sampling_percent"], rule["expiry_days"]) == (50, 100, 7)
    detail = f"{RULES}{rule['id']}/"
    changed = client.patch(detail, {"timing": "warm", "delay_minutes": 2880}, format="json")
    assert changed.status_code == 200 and changed.json()["delay_minutes"] == 2880
    listed = client.get(RULES, {"touchpoint": parcel_received.pk}).json()["results"]
    assert [item["id"] for item in listed] == [rule["id"]]
    assert client.delete(detail).status_code == 204
    with organization_scope(org_a):
        stored = ListeningRule.objects.get()
        actions = list(
            AuditEvent.objects.filter(object_type="surveys.listeningrule")
            .order_by("pk")
            .values_list("action", flat=True)
        )
    assert stored.archived_at is not None and not stored.active
    assert actions == ["listening_rule.created", "listening_rule.saved", "listening_rule.archived"]
    assert client.get(RULES).json()["results"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channels": []}, "channels"),
        ({"channels": ["sms", "pigeon"]}, "channels.1"),
        ({"channels": ["email", "email"]}, "channels"),
        ({"timing": "warm", "delay_minutes": 10}, "delay_minutes"),
        ({"timing": "soon"}, "timing"),
        ({"sampling_percent": 0}, "sampling_percent"),
        ({"priority": 101}, "priority"),
        ({"reminder_after_days": 8, "expiry_days": 7}, "reminder_after_days"),
    ],
)
def test_a_bad_rule_gets_a_400_naming_the_field(
    api_client_for, org_a, nps_survey, parcel_received, changes, field
):
    response = api_client_for(org_a).post(
        RULES, rule_body(parcel_received, nps_survey, **changes), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()
    with organization_scope(org_a):
        assert not ListeningRule.objects.exists()


def test_another_organizations_ids_are_answered_like_missing_ones(
    api_client_for, org_a, nps_survey, parcel_received, theirs
):
    client = api_client_for(org_a)
    missing = 10**9
    for field in ("touchpoint", "survey", "segment"):
        answers = []
        for value in (theirs[field].pk, missing):
            body = {**rule_body(parcel_received, nps_survey), field: value}
            response = client.post(RULES, body, format="json")
            assert response.status_code == 400
            answers.append(response.json()["fields"][field][0].replace(str(value), "<id>"))
        assert answers[0] == answers[1], field
    foreign = client.get(RULES, {"touchpoint": theirs["touchpoint"].pk})
    unknown = client.get(RULES, {"touchpoint": missing})
    assert foreign.status_code == unknown.status_code == 400
    assert (
        foreign.json()["fields"]
        == unknown.json()["fields"]
        == {"touchpoint": ["No such touchpoint."]}
    )
    assert client.get(f"{SURVEYS}{theirs['survey'].pk}/").status_code == 404
    with organization_scope(org_a):
        assert not ListeningRule.objects.exists()


def test_an_archived_survey_cannot_get_new_rules(
    api_client_for, org_a, nps_survey, parcel_received
):
    client = api_client_for(org_a)
    assert client.delete(f"{SURVEYS}{nps_survey.pk}/").status_code == 204
    response = client.post(RULES, rule_body(parcel_received, nps_survey), format="json")
    assert response.status_code == 400 and "survey" in response.json()["fields"]


def test_campaigns_crud_with_the_frequency_warning(api_client_for, org_a):
    with organization_scope(org_a):
        barometer = create_from_library(None, org_a, "cold_barometer")
    client = api_client_for(org_a)
    body = {
        "name": "Barometer",
        "survey": barometer.pk,
        "channels": ["email"],
        "starts_on": "2027-01-15",
        "repeat_every_days": 182,
    }
    response = client.post(CAMPAIGNS, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["warnings"] == []
    detail = f"{CAMPAIGNS}{response.json()['id']}/"
    response = client.patch(detail, {"repeat_every_days": 60}, format="json")
    assert response.status_code == 200
    assert response.json()["warnings"] == ["Repeats every 60 days: more often than twice a year."]
    response = client.patch(detail, {"repeat_every_days": 7, "channels": []}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"repeat_every_days", "channels"}
    assert client.delete(detail).status_code == 204
    with organization_scope(org_a):
        assert Campaign.objects.get().archived_at is not None


def test_texts_in_a_language_the_product_does_not_speak_are_refused(api_client_for, org_a):
    body = {**NEW_SURVEY, "thank_you": {"de": "Danke!"}}
    response = api_client_for(org_a).post(SURVEYS, body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"thank_you": ["Unknown language “de”: write in en, fr."]}


def test_lists_take_the_same_number_of_queries_for_one_or_many_objects(
    api_client_for, org_a, parcel_received, django_assert_max_num_queries
):
    client = api_client_for(org_a)

    def add(count):
        with organization_scope(org_a):
            for _ in range(count):
                survey = create_from_library(None, org_a, "post_purchase_nps")
                ListeningRule.objects.create(
                    touchpoint=parcel_received, survey=survey, channels=["sms"]
                )

    add(1)
    counted = {}
    for path in (SURVEYS, RULES):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counted[path] = len(queries)
    add(4)
    for path in (SURVEYS, RULES):
        with django_assert_max_num_queries(counted[path]):
            assert len(client.get(path).json()["results"]) == 5
