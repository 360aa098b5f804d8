"""The core every channel answers through (surveys/answering.py): one response per first
invitation, each answer validated and stored at once, changed until completion and never after,
the invitation moved to answered, ``answer_recorded`` fired in the answer's transaction."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from surveys.answering import (
    MAX_TEXT,
    AnswerError,
    LinkState,
    complete,
    discard_unasked,
    follow_up_for,
    link_state,
    main_question,
    record_answer,
    response_for,
    shown_for,
    stored_main_score,
)
from surveys.models import Answer, Invitation, Response
from surveys.signals import answer_recorded
from vocapp.tenancy.scope import organization_scope

from .answering_fixtures import (
    answers_of,
    make_invitation,
    make_survey,
    question,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scope(org_a):
    with organization_scope(org_a):
        yield org_a


@pytest.fixture
def recorded():
    """Every ``answer_recorded`` sent: (answer, response, inside a transaction)."""
    sent = []

    def receiver(sender, answer, response, **kwargs):
        sent.append((answer, response, connection.in_atomic_block))

    answer_recorded.connect(receiver, dispatch_uid="test_answering")
    yield sent
    answer_recorded.disconnect(dispatch_uid="test_answering")


def state_of(invitation):
    return Invitation.objects.unscoped().get(pk=invitation.pk).state


# --- one response per first invitation --------------------------------------------------------


def test_it_makes_one_response_per_first_invitation_in_its_organization(scope, invitation):
    first = response_for(invitation, channel="sms", locale="fr")
    again = response_for(invitation, channel="email", locale="en")
    assert first.pk == again.pk
    response = Response.objects.get()
    assert response.organization_id == invitation.organization_id
    assert (response.channel, response.locale) == ("sms", "fr")
    assert response.survey_version_id == invitation.survey_version_id
    assert response.contact_id == invitation.contact_id


def test_a_reminder_answers_the_response_of_the_invitation_it_follows(scope, invitation, camille):
    reminder = make_invitation(invitation_survey(invitation), camille, kind="reminder")
    Invitation.objects.filter(pk=reminder.pk).update(follows=invitation)
    reminder.refresh_from_db()
    response = response_for(reminder, channel="email")
    assert response.invitation_id == invitation.pk
    assert response_for(invitation, channel="sms").pk == response.pk
    record_answer(response, question_of(invitation, "nps"), 8, invitation=reminder)
    assert state_of(invitation) == state_of(reminder) == "answered"


def invitation_survey(invitation):
    return invitation.survey_version.survey


def question_of(invitation, key):
    return question(invitation_survey(invitation), key)


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("nps", "9", 9),
        ("nps", 0, 0),
        ("nps", " 10 ", 10),
        ("csat", "5", 5),
        ("ces", "1", 1),
        ("topic", "speed", ["speed"]),
        ("channels", ["search", "friend", "friend"], ["friend", "search"]),
        ("channels", "ad", ["ad"]),
        ("what_went_wrong", "  Late parcel\x00 ", "Late parcel"),
    ],
)
def test_it_stores_every_kind_of_answer(scope, invitation, key, value, stored):
    response = response_for(invitation, channel="sms")
    record_answer(response, question_of(invitation, key), value)
    assert answers_of(invitation) == {key: stored}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("nps", "11", "A score from 0 to 10, please."),
        ("nps", "-1", "A score from 0 to 10, please."),
        ("nps", "nine", "A score from 0 to 10, please."),
        ("nps", None, "A score from 0 to 10, please."),
        ("csat", "0", "A score from 1 to 5, please."),
        ("ces", "8", "A score from 1 to 7, please."),
        ("topic", "weather", "One of the proposed answers, please."),
        ("topic", "", "One of the proposed answers, please."),
        ("channels", [], "Some of the proposed answers, please."),
        ("channels", ["friend", "tv"], "Some of the proposed answers, please."),
        ("what_you_liked", "   ", "A few words, please."),
    ],
)
def test_it_refuses_a_value_the_question_cannot_take(scope, invitation, key, value, message):
    response = response_for(invitation, channel="sms")
    with pytest.raises(AnswerError, match=message.replace(".", r"\.")):
        record_answer(response, question_of(invitation, key), value)
    assert answers_of(invitation) == {}
    assert state_of(invitation) == "sent"


def test_it_cuts_a_long_verbatim(scope, invitation):
    response = response_for(invitation, channel="sms")
    record_answer(response, question_of(invitation, "what_you_liked"), "x" * (MAX_TEXT + 50))
    assert len(answers_of(invitation)["what_you_liked"]) == MAX_TEXT


def test_it_refuses_a_question_of_another_survey(scope, invitation, org_a):
    other = make_survey(org_a, name="Another")
    response = response_for(invitation, channel="sms")
    with pytest.raises(AnswerError):
        record_answer(response, question(other, "nps"), 9)
    assert not Answer.objects.exists()


def test_its_messages_follow_the_active_language(scope, invitation):
    response = response_for(invitation, channel="sms")
    with translation.override("en"), pytest.raises(AnswerError) as error:
        record_answer(response, question_of(invitation, "csat"), 9)
    assert str(error.value) == "A score from 1 to 5, please."


# --- stored at once, changed until completion, never after ----------------------------------


def test_each_answer_is_stored_and_signalled_in_its_transaction(scope, invitation, recorded):
    response = response_for(invitation, channel="sms")
    answer = record_answer(response, question_of(invitation, "nps"), 3)
    assert Answer.objects.get().score == 3
    assert state_of(invitation) == "answered"
    [(signalled, signalled_response, in_transaction)] = recorded
    assert signalled.pk == answer.pk and signalled.score == 3
    assert signalled_response.pk == response.pk
    assert in_transaction


def test_an_answer_changes_until_completion_and_the_same_value_changes_nothing(
    scope, invitation, recorded
):
    response = response_for(invitation, channel="sms")
    nps = question_of(invitation, "nps")
    record_answer(response, nps, 3)
    record_answer(response, nps, 3)
    assert len(recorded) == 1
    record_answer(response, nps, 9)
    assert [answer.score for answer, _response, _atomic in recorded] == [3, 9]
    assert Answer.objects.get().score == 9


def test_after_completion_answering_again_changes_nothing(scope, invitation, recorded):
    response = response_for(invitation, channel="sms")
    nps = question_of(invitation, "nps")
    record_answer(response, nps, 9)
    assert complete(response) is True
    assert complete(response) is False
    before = list(Answer.objects.values())
    assert record_answer(response, nps, 2).score == 9
    assert record_answer(response, question_of(invitation, "csat"), 5) is None
    assert list(Answer.objects.values()) == before
    assert len(recorded) == 1


def test_a_late_answer_does_not_move_an_expired_invitation(scope, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(state="expired")
    invitation.refresh_from_db()
    response = response_for(invitation, channel="sms")
    record_answer(response, question_of(invitation, "nps"), 7, invitation=invitation)
    assert state_of(invitation) == "expired"


# --- link state -------------------------------------------------------------------------------


def test_a_sent_link_can_be_answered_until_it_expires(scope, invitation):
    assert link_state(invitation) == LinkState(True)
    later = invitation.expires_at + timedelta(seconds=1)
    assert link_state(invitation, now=later) == LinkState(False, "expired")
    Invitation.objects.filter(pk=invitation.pk).update(state="expired", expires_at=None)
    invitation.refresh_from_db()
    assert link_state(invitation) == LinkState(False, "expired")


@pytest.mark.parametrize("state", ["scheduled", "suppressed"])
def test_a_link_never_sent_is_withdrawn(scope, invitation, state):
    Invitation.objects.filter(pk=invitation.pk).update(state=state)
    invitation.refresh_from_db()
    assert link_state(invitation) == LinkState(False, "withdrawn")


def test_a_partial_response_stays_answerable_and_a_completed_one_is_answered(
    scope, invitation, camille
):
    response = response_for(invitation, channel="sms")
    record_answer(response, question_of(invitation, "nps"), 10)
    invitation.refresh_from_db()
    assert invitation.state == "answered"
    assert link_state(invitation) == LinkState(True)
    complete(response)
    assert link_state(invitation) == LinkState(False, "answered")
    reminder = make_invitation(invitation_survey(invitation), camille, kind="reminder")
    Invitation.objects.filter(pk=reminder.pk).update(follows=invitation)
    reminder.refresh_from_db()
    assert link_state(reminder) == LinkState(False, "answered")


# --- follow-ups -------------------------------------------------------------------------------


def test_follow_ups_depend_on_the_main_score(scope, invitation):
    questions = list(invitation.survey_version.questions.all())
    by_key = {q.key: q for q in questions}
    assert main_question(questions).key == "nps"
    low, high = by_key["what_went_wrong"], by_key["what_you_liked"]
    assert not shown_for(low, None)
    assert [shown_for(low, score) for score in (0, 6, 7)] == [True, True, False]
    assert [shown_for(high, score) for score in (8, 9, 10)] == [False, True, True]
    assert shown_for(by_key["csat"], None)
    assert follow_up_for(questions, 4).key == "what_went_wrong"
    assert follow_up_for(questions, 10).key == "what_you_liked"
    assert follow_up_for(questions, 7) is None


def test_a_survey_without_scored_question_has_no_main_question(scope, invitation):
    questions = [q for q in invitation.survey_version.questions.all() if q.kind == "single"]
    assert main_question(questions) is None


def test_completion_drops_the_follow_up_the_final_score_no_longer_asks(scope, invitation):
    questions = list(invitation.survey_version.questions.all())
    response = response_for(invitation, channel="sms")
    record_answer(response, question_of(invitation, "nps"), 3)
    record_answer(response, question_of(invitation, "what_went_wrong"), "Late")
    record_answer(response, question_of(invitation, "csat"), 4)
    record_answer(response, question_of(invitation, "nps"), 9)
    assert stored_main_score(response, questions) == 9
    assert discard_unasked(response, questions) == 1
    assert answers_of(invitation) == {"nps": 9, "csat": 4}
    complete(response)
    assert discard_unasked(response, questions) == 0


def test_completed_at_is_set_once(scope, invitation):
    response = response_for(invitation, channel="sms")
    complete(response)
    first = Response.objects.get().completed_at
    complete(response)
    assert Response.objects.get().completed_at == first
    assert first <= timezone.now()
