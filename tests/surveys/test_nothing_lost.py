"""Nothing answered is ever lost: a touchpoint and a survey with answers are edited and "deleted"
(archived) from the pages and the API, and the stored answers stay exactly as they were."""

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from journeys.models import Touchpoint
from surveys.models import Answer, Question, Response, Survey, SurveyVersion
from vocapp.tenancy.scope import organization_scope

from .conftest import editor_post, form_values, record_answers, stored_answers, url

pytestmark = pytest.mark.django_db


def journeys_url(name, **kwargs):
    return reverse(f"journeys:{name}", kwargs={"org_slug": "alpha", **kwargs})


@pytest.fixture
def answered(nps_survey, parcel_received):
    """Two customers answered the NPS survey after receiving their parcel."""
    record_answers(nps_survey, parcel_received, nps=2, what_went_wrong="The box was crushed")
    record_answers(nps_survey, parcel_received, nps=10, what_you_liked="Fast delivery")
    return nps_survey, parcel_received


def test_editing_and_archiving_the_touchpoint_keeps_its_answers(
    client_as, manager_a, org_a, answered
):
    _survey, touchpoint = answered
    before = stored_answers(org_a)
    client = client_as(manager_a)
    page = client.get(journeys_url("touchpoint_edit", pk=touchpoint.pk))
    data = form_values(page.context["form"])
    data["name"] = "Parcel in hand"
    assert client.post(journeys_url("touchpoint_edit", pk=touchpoint.pk), data).status_code == 302
    assert client.post(journeys_url("touchpoint_archive", pk=touchpoint.pk)).status_code == 302

    with organization_scope(org_a):
        touchpoint = Touchpoint.objects.get(pk=touchpoint.pk)
        assert touchpoint.name == "Parcel in hand" and touchpoint.archived_at is not None
        assert Response.objects.filter(touchpoint=touchpoint).count() == 2
    assert stored_answers(org_a) == before
    with organization_scope(org_a), pytest.raises(ProtectedError):
        touchpoint.delete()
    assert stored_answers(org_a) == before


def test_editing_and_archiving_the_survey_keeps_its_answers(client_as, manager_a, org_a, answered):
    survey, _touchpoint = answered
    before = stored_answers(org_a)
    client = client_as(manager_a)
    data = editor_post(client, survey)
    data["name"] = "NPS after delivery"
    data["q-0-text_en"] = "Would you recommend our delivery?"
    data["q-2-DELETE"] = "on"  # "What would make it a 10?" has no answer: it may go
    response = client.post(url("edit", pk=survey.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.post(url("archive", pk=survey.pk)).status_code == 302

    with organization_scope(org_a):
        survey = Survey.objects.get(pk=survey.pk)
        assert survey.name == "NPS after delivery" and survey.archived_at is not None
        first, second = SurveyVersion.objects.filter(survey=survey).order_by("number")
        assert first.questions.count() == 4
        assert second.questions.get(key="nps").texts["en"] == "Would you recommend our delivery?"
        assert not second.questions.filter(key="what_would_make_it_10").exists()
        assert set(Response.objects.values_list("survey_version", flat=True)) == {first.pk}
    assert stored_answers(org_a) == before
    assert url("edit", pk=survey.pk) not in client.get(url("list")).content.decode()
    assert client.get(url("edit", pk=survey.pk)).status_code == 404


def test_answered_rows_cannot_be_hard_deleted(org_a, answered):
    survey, _touchpoint = answered
    before = stored_answers(org_a)
    with organization_scope(org_a):
        version = survey.current_version
        question = version.questions.get(key="nps")
        response = Response.objects.first()
        for obj in (survey, version, question, response):
            with pytest.raises(ProtectedError):
                obj.delete()
    assert stored_answers(org_a) == before
    with organization_scope(org_a):
        assert Question.objects.filter(pk=question.pk).exists()
        assert Answer.objects.count() == 4


def test_the_api_delete_archives_the_survey_and_keeps_its_answers(api_client_for, org_a, answered):
    survey, _touchpoint = answered
    before = stored_answers(org_a)
    client = api_client_for(org_a)
    response = client.delete(f"/api/v1/surveys/{survey.pk}/")
    assert response.status_code == 204
    with organization_scope(org_a):
        assert Survey.objects.get(pk=survey.pk).archived_at is not None
    listed = client.get("/api/v1/surveys/").json()
    assert survey.pk not in [item["id"] for item in listed["results"]]
    archived = client.get("/api/v1/surveys/", {"archived": "true"}).json()
    assert survey.pk in [item["id"] for item in archived["results"]]
    assert stored_answers(org_a) == before


def test_a_survey_used_by_an_active_rule_is_not_archived(
    client_as, api_client_for, manager_a, org_a, answered
):
    from surveys.models import ListeningRule

    survey, touchpoint = answered
    with organization_scope(org_a):
        ListeningRule.objects.create(touchpoint=touchpoint, survey=survey, channels=["sms"])
    page = client_as(manager_a).post(url("archive", pk=survey.pk), follow=True)
    assert "still used by 1 active listening rule" in page.content.decode()
    response = api_client_for(org_a).delete(f"/api/v1/surveys/{survey.pk}/")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    with organization_scope(org_a):
        assert Survey.objects.get(pk=survey.pk).archived_at is None


def test_deleting_a_segment_a_listening_rule_uses_is_refused_and_changes_nothing(
    api_client_for, org_a, nps_survey, parcel_received
):
    from surveys.models import ListeningRule
    from vocapp.contacts.models import Segment

    with organization_scope(org_a):
        loyal = Segment.objects.create(
            name="Loyal", conditions=[{"attribute": "email", "op": "exists", "value": True}]
        )
        ListeningRule.objects.create(
            touchpoint=parcel_received, survey=nps_survey, channels=["sms"], segment=loyal
        )
    response = api_client_for(org_a).delete(f"/api/v1/segments/{loyal.pk}/")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "in_use"
    assert "listening rule" in body["detail"]
    with organization_scope(org_a):
        assert ListeningRule.objects.get().segment == loyal
