"""The answers on the contact's profile, and in GDPR exports and erasures (an erased verbatim
becomes "[erased]"; scores stay, anonymous)."""

import json

import pytest
from django.urls import reverse

from surveys.answering import complete, link_state, record_answer, response_for
from surveys.models import Answer
from vocapp.contacts.gdpr import erase_contact, export_contact
from vocapp.tenancy.scope import organization_scope

from .answering_fixtures import (
    make_contact,
    make_invitation,
    question,
)

pytestmark = pytest.mark.django_db


def answer(invitation, done=True, **values):
    survey = invitation.survey_version.survey
    with organization_scope(invitation.organization):
        response = response_for(invitation, channel="sms", locale="en")
        for key, value in values.items():
            record_answer(response, question(survey, key), value)
        if done:
            complete(response)
    return response


def profile(client, contact):
    url = reverse("contacts:detail", kwargs={"org_slug": "alpha", "pk": contact.pk})
    answer = client.get(url)
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_profile_shows_what_the_contact_answered(client_as, agent_a, invitation, camille):
    answer(invitation, nps=3, what_went_wrong="The <b>parcel</b> was late", topic="speed")
    body = profile(client_as(agent_a), camille)
    assert "Survey answers" in body
    assert "Every kind" in body
    assert "How likely are you to recommend us?" in body
    assert "<strong>3</strong>" in body
    assert "The &lt;b&gt;parcel&lt;/b&gt; was late" in body
    assert "Speed" in body  # the choice's label, not its key


def test_the_profile_marks_a_partial_response_and_says_when_there_is_none(
    client_as, manager_a, invitation, camille, org_a
):
    assert "No survey answered yet." in profile(client_as(manager_a), camille)
    answer(invitation, done=False, nps=8)
    assert "partial" in profile(client_as(manager_a), camille)
    other = make_contact(org_a, "c-other")
    assert "How likely" not in profile(client_as(manager_a), other)


def test_the_profile_speaks_the_readers_language(client_as, manager_a, invitation, camille):
    answer(invitation, nps=9)
    client = client_as(manager_a)
    client.cookies["django_language"] = "fr"
    body = profile(client, camille)
    assert "Quelle est la probabilité que vous nous recommandiez ?" in body


def test_the_export_holds_every_answer(invitation, camille, org_a):
    answer(invitation, nps=2, what_went_wrong="Rude driver", channels=["ad", "friend"])
    with organization_scope(org_a):
        exported = export_contact(camille)
    [response] = exported["responses"]
    assert response["survey"] == "Every kind"
    assert response["channel"] == "sms" and response["completed_at"]
    assert [(a["question"], a["score"], a["text"], a["choices"]) for a in response["answers"]] == [
        ("nps", 2, "", []),
        ("what_went_wrong", None, "Rude driver", []),
        ("channels", None, "", ["friend", "ad"]),
    ]
    assert response["answers"][1]["asked"] == "What went wrong?"
    json.dumps(exported, default=str)


def test_erasing_turns_verbatims_into_erased_and_keeps_scores(
    invitation, camille, org_a, every_kind
):
    answer(invitation, nps=2, what_went_wrong="Call me on 06 12 34 56 78")
    someone_else = make_contact(org_a, "c-2")
    answer(make_invitation(every_kind, someone_else), nps=10, what_you_liked="Kept intact")
    with organization_scope(org_a):
        touched = erase_contact(None, camille)
        assert touched["answers"] == 1
        rows = {
            (a.response.contact_id, a.question.key): (a.score, a.text)
            for a in Answer.objects.select_related("question", "response")
        }
        assert rows[camille.pk, "nps"] == (2, "")
        assert rows[camille.pk, "what_went_wrong"] == (None, "[erased]")
        assert rows[someone_else.pk, "nps"] == (10, "")
        assert rows[someone_else.pk, "what_you_liked"] == (None, "Kept intact")
        assert erase_contact(None, camille)["answers"] == 0


def test_an_erased_contacts_link_takes_no_more_answers(client, invitation, camille, org_a):
    with organization_scope(org_a):
        erase_contact(None, camille)
        invitation.refresh_from_db()
        assert link_state(invitation).reason == "withdrawn"
    link = reverse("public:survey", kwargs={"token": invitation.token})
    assert client.post(link, {"q_nps": "9"}).status_code == 410
    with organization_scope(org_a):
        assert not Answer.objects.exists()


def test_the_downloaded_export_keeps_typed_text_inert_and_exact(
    client_as, manager_a, invitation, camille
):
    answer(invitation, nps=1, what_went_wrong="<script>alert(1)</script> & more")
    url = reverse("contacts:export", kwargs={"org_slug": "alpha", "pk": camille.pk})
    download = client_as(manager_a).get(url)
    body = download.content.decode()
    assert "<script>" not in body and "\\u003cscript\\u003e" in body
    [response] = json.loads(body)["responses"]
    assert response["answers"][1]["text"] == "<script>alert(1)</script> & more"
