"""Editing a survey never changes what was answered: new versions, fixed types, no dropping."""

import pytest

from surveys.content import SurveyContentError, version_content
from surveys.models import Question, Survey, SurveyVersion
from surveys.versioning import AnsweredQuestionRemoved, save_survey_content
from vocapp.tenancy.models import AuditEvent
from vocapp.tenancy.scope import organization_scope

from .conftest import editor_post, record_answers, stored_answers, url

pytestmark = pytest.mark.django_db


def content_of(survey):
    with organization_scope(survey.organization):
        return version_content(Survey.objects.get(pk=survey.pk).current_version)


def survey_rows(organization):
    """Every survey, version and question row, as stored."""
    return [
        list(model.objects.unscoped().filter(organization=organization).order_by("pk").values())
        for model in (Survey, SurveyVersion, Question)
    ]


def reworded(survey, key, en):
    content = content_of(survey)
    for question in content.questions:
        if question["key"] == key:
            question["texts"]["en"] = en
    return content


def test_editing_a_survey_nobody_answered_changes_its_version_in_place(nps_survey, admin_a):
    with organization_scope(nps_survey.organization):
        version, created = save_survey_content(
            admin_a, nps_survey, reworded(nps_survey, "nps", "Would you recommend us?")
        )
        assert not created and version.number == 1
        assert SurveyVersion.objects.count() == 1
        assert Question.objects.get(key="nps").texts["en"] == "Would you recommend us?"


def test_editing_a_survey_with_answers_makes_a_new_version_and_keeps_the_answers(
    nps_survey, parcel_received, admin_a, org_a
):
    response = record_answers(nps_survey, parcel_received, nps=3, what_went_wrong="Late parcel")
    before = stored_answers(org_a)
    with organization_scope(org_a):
        old_version = nps_survey.current_version
        old_questions = list(old_version.questions.values())
        version, created = save_survey_content(
            admin_a, nps_survey, reworded(nps_survey, "nps", "Would you recommend us?")
        )
        assert created and version.number == 2
        assert nps_survey.current_version == version
        # The old version, its questions and the answers to them are exactly as they were.
        assert list(old_version.questions.values()) == old_questions
        assert old_version.questions.get(key="nps").texts["en"].startswith("How likely")
        assert version.questions.get(key="nps").texts["en"] == "Would you recommend us?"
        response.refresh_from_db()
        assert response.survey_version == old_version
        assert AuditEvent.objects.filter(action="survey.content_saved").get().changes["new_version"]
    assert stored_answers(org_a) == before
    # The new version is not answered yet: a second edit changes it in place.
    with organization_scope(org_a):
        _version, created = save_survey_content(
            admin_a, nps_survey, reworded(nps_survey, "nps", "Would you recommend us today?")
        )
        assert not created
        assert SurveyVersion.objects.count() == 2


def test_saving_the_same_content_writes_nothing(nps_survey, admin_a, org_a):
    record_answers(nps_survey, nps=10)
    with organization_scope(org_a):
        rows = survey_rows(org_a)
        version, created = save_survey_content(admin_a, nps_survey, content_of(nps_survey))
        assert not created and version.number == 1
        assert survey_rows(org_a) == rows
        assert not AuditEvent.objects.filter(action="survey.content_saved").exists()


def test_an_answered_question_cannot_change_type_or_scale(admin_a, org_a):
    from surveys.library import create_from_library

    with organization_scope(org_a):
        survey = create_from_library(None, org_a, "post_support_ces")
    record_answers(survey, ces=6)
    rows = survey_rows(org_a)
    content = content_of(survey)
    content.questions[0]["kind"] = "csat"
    content.questions[0]["scale_min"], content.questions[0]["scale_max"] = 1, 5
    with organization_scope(org_a), pytest.raises(SurveyContentError) as caught:
        save_survey_content(admin_a, survey, content)
    assert "questions.0.kind" in caught.value.errors
    assert "“ces”" in caught.value.errors["questions.0.kind"][0]
    assert "type cannot change" in caught.value.errors["questions.0.kind"][0]
    content = content_of(survey)
    content.questions[0]["scale_max"] = 5
    with organization_scope(org_a), pytest.raises(SurveyContentError) as caught:
        save_survey_content(admin_a, survey, content)
    assert "scale cannot change" in caught.value.errors["questions.0.scale_max"][0]
    assert survey_rows(org_a) == rows


def test_an_unanswered_question_may_change_type_even_when_others_have_answers(
    nps_survey, admin_a, org_a
):
    record_answers(nps_survey, nps=9, what_you_liked="Fast")
    content = content_of(nps_survey)
    content.questions[2]["kind"] = "single"  # what_would_make_it_10 has no answer
    content.questions[2]["choices"] = [
        {"key": "price", "texts": {"en": "Price"}},
        {"key": "speed", "texts": {"en": "Speed"}},
    ]
    with organization_scope(org_a):
        version, created = save_survey_content(admin_a, nps_survey, content)
        assert created
        assert version.questions.get(key="what_would_make_it_10").kind == "single"


def test_an_answered_question_cannot_be_dropped(nps_survey, admin_a, org_a):
    record_answers(nps_survey, nps=2, what_went_wrong="Broken")
    rows = survey_rows(org_a)
    content = content_of(nps_survey)
    content.questions = [q for q in content.questions if q["key"] != "what_went_wrong"]
    with organization_scope(org_a), pytest.raises(AnsweredQuestionRemoved) as caught:
        save_survey_content(admin_a, nps_survey, content)
    assert "what_went_wrong" in str(caught.value)
    assert survey_rows(org_a) == rows
    # An unanswered one may go.
    content = content_of(nps_survey)
    content.questions = [q for q in content.questions if q["key"] != "what_would_make_it_10"]
    with organization_scope(org_a):
        version, created = save_survey_content(admin_a, nps_survey, content)
        assert created
        assert list(version.questions.values_list("key", flat=True)) == [
            "nps",
            "what_went_wrong",
            "what_you_liked",
        ]


def test_the_editor_refuses_a_type_change_naming_the_question(
    client_as, manager_a, nps_survey, org_a
):
    record_answers(nps_survey, nps=8)
    client = client_as(manager_a)
    data = editor_post(client, nps_survey)
    data["q-0-kind"] = "csat"
    rows = survey_rows(org_a)
    response = client.post(url("edit", pk=nps_survey.pk), data)
    assert response.status_code == 400
    assert "Question “nps”" in response.content.decode()
    assert "its type cannot change" in response.content.decode()
    assert survey_rows(org_a) == rows


def test_the_api_refuses_to_drop_an_answered_question_with_a_409_and_changes_nothing(
    api_client_for, nps_survey, org_a
):
    record_answers(nps_survey, nps=1, what_went_wrong="Never arrived")
    client = api_client_for(org_a)
    detail = f"/api/v1/surveys/{nps_survey.pk}/"
    body = client.get(detail).json()
    assert body["version"] == 1
    before = survey_rows(org_a), stored_answers(org_a)
    body["name"] = "Renamed at the same time"
    body["questions"] = [q for q in body["questions"] if q["key"] != "what_went_wrong"]
    response = client.put(detail, body, format="json")
    assert response.status_code == 409
    error = response.json()
    assert error["error"] == "conflict"
    assert "what_went_wrong" in error["detail"]
    assert (survey_rows(org_a), stored_answers(org_a)) == before
    patch = client.patch(detail, {"questions": body["questions"]}, format="json")
    assert patch.status_code == 409
    assert (survey_rows(org_a), stored_answers(org_a)) == before


def test_the_api_makes_a_new_version_when_answered_questions_are_reworded(
    api_client_for, nps_survey, org_a
):
    record_answers(nps_survey, nps=10, what_you_liked="Everything")
    before = stored_answers(org_a)
    client = api_client_for(org_a)
    detail = f"/api/v1/surveys/{nps_survey.pk}/"
    body = client.get(detail).json()
    body["questions"][0]["texts"]["fr"] = "Nous recommanderiez-vous ?"
    body["version"] = 99  # read-only: ignored
    response = client.put(detail, body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert response.json()["questions"][0]["texts"]["fr"] == "Nous recommanderiez-vous ?"
    assert stored_answers(org_a) == before
    with organization_scope(org_a):
        assert SurveyVersion.objects.filter(survey=nps_survey).count() == 2


def test_the_api_refuses_a_type_change_of_an_answered_question_naming_it(
    api_client_for, nps_survey, org_a
):
    record_answers(nps_survey, nps=10)
    client = api_client_for(org_a)
    detail = f"/api/v1/surveys/{nps_survey.pk}/"
    questions = client.get(detail).json()["questions"]
    questions[0]["kind"] = "csat"
    questions[0]["scale_min"], questions[0]["scale_max"] = 1, 5
    response = client.patch(detail, {"questions": questions}, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["error"] == "invalid"
    assert "“nps”" in error["fields"]["questions.0.kind"][0]
