"""The library of ready surveys: short, bilingual, with score-dependent follow-ups; one click."""

import pytest

from surveys.content import clean_content, main_question
from surveys.library import SURVEYS, create_from_library
from surveys.models import Survey
from vocapp.tenancy.models import AuditEvent
from vocapp.tenancy.scope import organization_scope

from .conftest import url

pytestmark = pytest.mark.django_db


def test_the_library_has_the_five_surveys():
    assert {item.key for item in SURVEYS} == {
        "post_purchase_nps",
        "post_contact_csat",
        "post_support_ces",
        "cold_barometer",
        "employee_enps",
    }
    kinds = {item.key: main_question(list(item.questions))["kind"] for item in SURVEYS}
    assert kinds == {
        "post_purchase_nps": "nps",
        "post_contact_csat": "csat",
        "post_support_ces": "ces",
        "cold_barometer": "nps",
        "employee_enps": "nps",
    }


@pytest.mark.parametrize("item", SURVEYS, ids=lambda item: item.key)
def test_each_survey_is_short_bilingual_and_valid(item):
    assert 1 <= len(item.questions) <= 4
    for texts in (item.name, item.description, item.intro, item.thank_you):
        assert texts["en"].strip() and texts["fr"].strip()
        assert texts["en"] != texts["fr"]
    for question in item.questions:
        assert question["texts"]["en"].strip() and question["texts"]["fr"].strip()
        for choice in question.get("choices", []):
            assert choice["texts"]["en"].strip() and choice["texts"]["fr"].strip()
    clean_content(item.content())


@pytest.mark.parametrize("item", SURVEYS, ids=lambda item: item.key)
def test_each_survey_asks_an_unhappy_and_a_happy_customer_something_different(item):
    content = clean_content(item.content())
    main = main_question(content.questions)
    follow_ups = [q for q in content.questions if q["show_if_score_min"] is not None]
    lowest = [q["key"] for q in follow_ups if q["show_if_score_min"] == main["scale_min"]]
    highest = [q["key"] for q in follow_ups if q["show_if_score_max"] == main["scale_max"]]
    assert lowest and highest and lowest != highest


def test_the_nps_survey_asks_detractors_what_went_wrong_and_promoters_what_they_liked():
    item = next(item for item in SURVEYS if item.key == "post_purchase_nps")
    by_key = {q["key"]: q for q in item.questions}
    assert (
        by_key["what_went_wrong"]["show_if_score_min"],
        by_key["what_went_wrong"]["show_if_score_max"],
    ) == (0, 6)
    assert "wrong" in by_key["what_went_wrong"]["texts"]["en"]
    assert (
        by_key["what_you_liked"]["show_if_score_min"],
        by_key["what_you_liked"]["show_if_score_max"],
    ) == (9, 10)
    assert "like" in by_key["what_you_liked"]["texts"]["en"]


def test_one_click_creates_the_survey_in_both_languages(client_as, manager_a, org_a):
    client = client_as(manager_a)
    page = client.get(url("new"))
    assert page.status_code == 200
    for item in SURVEYS:
        assert item.label("en") in page.content.decode()
    response = client.post(url("new"), {"library_key": "post_contact_csat"})
    with organization_scope(org_a):
        survey = Survey.objects.get()
        version = survey.current_version
        questions = list(version.questions.all())
        audit = AuditEvent.objects.get(action="survey.created")
    assert response.status_code == 302
    assert response["Location"] == url("edit", pk=survey.pk)
    assert survey.name == "Post-contact CSAT" and survey.library_key == "post_contact_csat"
    assert version.number == 1
    assert [q.kind for q in questions] == ["csat", "single", "text", "text"]
    assert questions[0].texts["fr"] == "Êtes-vous satisfait de votre échange avec notre équipe ?"
    assert version.intro["fr"] and version.thank_you["en"]
    assert audit.actor == manager_a and audit.object_id == str(survey.pk)


def test_an_unknown_library_survey_is_a_400_and_creates_nothing(client_as, manager_a, org_a):
    response = client_as(manager_a).post(url("new"), {"library_key": "horoscope"})
    assert response.status_code == 400
    assert "not in the library" in response.content.decode()
    with organization_scope(org_a):
        assert not Survey.objects.exists()


def test_a_blank_survey_needs_a_name_and_starts_with_one_question(client_as, manager_a, org_a):
    client = client_as(manager_a)
    assert client.post(url("new"), {"name": " "}).status_code == 400
    response = client.post(url("new"), {"name": "Kiosk survey"})
    assert response.status_code == 302
    with organization_scope(org_a):
        survey = Survey.objects.get()
        assert survey.name == "Kiosk survey"
        assert [q.kind for q in survey.current_version.questions.all()] == ["nps"]


def test_a_french_organization_gets_the_french_name_and_a_second_copy_is_numbered(org_a):
    org_a.default_locale = "fr"
    org_a.save()
    with organization_scope(org_a):
        first = create_from_library(None, org_a, "cold_barometer")
        second = create_from_library(None, org_a, "cold_barometer")
    assert first.name == "Baromètre client"
    assert second.name == "Baromètre client (2)"
