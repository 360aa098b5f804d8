"""``/s/<token>/``: the customer's survey page. Every question type in both languages, the
language chain and switch, follow-ups, answers saved one by one (the page's script) or all at
once (no JavaScript), partial answers, double submission, closed links, and link scanners whose
GETs record nothing."""

import json
import re

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, Invitation, Response
from surveys.signals import answer_recorded
from surveys.views.answering_page import SurveyPage, answer_survey_page, open_response
from tests.core.conftest import inline_code
from vocapp.tenancy.scope import organization_scope

from .answering_fixtures import (
    EVERY_KIND,
    answers_of,
    make_contact,
    make_invitation,
    make_survey,
    response_of,
    texts,
)
from .conftest import stored_answers

pytestmark = pytest.mark.django_db

ENGLISH = [
    "How likely are you to recommend us?",
    "What went wrong?",
    "What did you like most?",
    "How satisfied are you with the delivery?",
    "How easy was it to order?",
    "What matters most to you?",
    "Price",
    "Speed",
    "How did you hear of us?",
    "A search engine",
    "Not at all likely",
    "Extremely likely",
    "Send my answers",
    "Thank you for your order.",
]
FRENCH = [
    "Quelle est la probabilité que vous nous recommandiez ?",
    "Qu&#x27;est-ce qui n&#x27;a pas été ?",
    "Qu&#x27;avez-vous le plus apprécié ?",
    "Satisfait de la livraison ?",
    "Était-il facile de commander ?",
    "Qu&#x27;est-ce qui compte le plus ?",
    "Le prix",
    "La rapidité",
    "Comment nous avez-vous connus ?",
    "Un moteur de recherche",
    "Pas du tout probable",
    "Extrêmement probable",
    "Envoyer mes réponses",
    "Merci pour votre commande.",
]


def link(invitation) -> str:
    return reverse("public:survey", kwargs={"token": invitation.token})


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def points(body: str, key: str) -> list[str]:
    return re.findall(rf'name="q_{key}" value="(\d+)"', body)


def checked(body: str, key: str) -> list[str]:
    return re.findall(rf'name="q_{key}" value="([^"]+)" checked', body)


def save(client, invitation, key, value, **more):
    """What survey.js posts the moment an answer is given."""
    return client.post(
        link(invitation),
        {"only": key, f"q_{key}": value, **more},
        HTTP_ACCEPT="application/json",
    )


def state_of(invitation) -> str:
    return Invitation.objects.unscoped().get(pk=invitation.pk).state


@pytest.fixture
def signals():
    sent = []

    def receiver(sender, answer, response, **kwargs):
        sent.append((answer.question.key, answer.score, answer.text))

    answer_recorded.connect(receiver, dispatch_uid="test_answering_page")
    yield sent
    answer_recorded.disconnect(dispatch_uid="test_answering_page")


# --- every question type in both languages -----------------------------------------------------


def test_it_shows_every_question_type_in_english(client, invitation):
    answer = client.get(link(invitation))
    assert answer.status_code == 200
    body = text_of(answer)
    assert '<html lang="en">' in body
    for text in ENGLISH:
        assert text in body, text
    assert points(body, "nps") == [str(n) for n in range(11)]
    assert points(body, "csat") == ["1", "2", "3", "4", "5"]
    assert points(body, "ces") == [str(n) for n in range(1, 8)]
    assert 'type="radio" name="q_topic" value="service"' in body
    assert 'type="checkbox" name="q_channels" value="ad"' in body
    assert '<textarea name="q_what_went_wrong"' in body
    assert "Alpha Shop" in body
    assert inline_code(answer.content.decode()) == []


def test_it_shows_every_question_type_in_french_for_a_french_contact(client, every_kind, org_a):
    contact = make_contact(org_a, "c-fr", locale="fr-CA")  # its base language: fr
    answer = client.get(link(make_invitation(every_kind, contact)))
    body = text_of(answer)
    assert '<html lang="fr">' in body
    for text in FRENCH:
        assert text in body, text
    assert "How likely" not in body
    assert points(body, "nps") == [str(n) for n in range(11)]


def test_the_switch_offers_both_languages_and_keeps_the_one_chosen(client, invitation):
    body = text_of(client.get(link(invitation)))
    assert f'href="{link(invitation)}?lang=fr" hreflang="fr"' in body
    assert 'hreflang="en" lang="en" aria-current="true"' in body
    french = text_of(client.get(link(invitation), {"lang": "fr"}))
    assert "Quelle est la probabilité" in french
    assert 'name="lang" value="fr"' in french
    client.post(link(invitation), {"lang": "fr", "q_nps": "8"})
    assert response_of(invitation).locale == "fr"


def english_only():
    questions = [
        {**question, "texts": {"en": question["texts"]["en"]}}
        for question in EVERY_KIND.questions
        if question["kind"] not in ("single", "multiple")
    ]
    return type(EVERY_KIND)(intro={"en": "Hello"}, thank_you={}, questions=questions)


@pytest.mark.parametrize(
    ("contact_locale", "org_locale", "only_english", "expected"),
    [
        ("fr", "en", False, "fr"),  # the contact's language
        ("fr-BE", "en", False, "fr"),  # its base language
        ("fr", "en", True, "en"),  # the survey is written in English only
        ("", "fr", False, "fr"),  # no language: the organization's
        ("de", "fr", False, "fr"),  # a language the product does not speak
        ("", "fr", True, "en"),  # the survey's language before the organization's
    ],
)
def test_the_page_speaks_the_contact_then_base_then_survey_then_organization_language(
    client, org_a, contact_locale, org_locale, only_english, expected
):
    org_a.default_locale = org_locale
    org_a.save()
    survey = (
        make_survey(org_a, english_only(), "English only") if only_english else make_survey(org_a)
    )
    contact = make_contact(org_a, "c-lang", locale=contact_locale)
    body = text_of(client.get(link(make_invitation(survey, contact))))
    assert f'<html lang="{expected}">' in body
    if only_english:
        assert 'hreflang="fr"' not in body  # nothing to switch to


# --- GET never records ----------------------------------------------------------------------


def test_link_scanners_record_nothing(client, invitation, org_a):
    before = stored_answers(org_a)
    for _ in range(3):
        assert client.get(link(invitation)).status_code == 200
        assert client.get(link(invitation), {"score": "10"}).status_code == 200
        assert client.head(link(invitation)).status_code == 200
    assert stored_answers(org_a) == before == ([], [])
    assert state_of(invitation) == "sent"


def test_a_score_clicked_in_an_email_only_pre_fills_the_page(client, invitation):
    body = text_of(client.get(link(invitation), {"score": "9"}))
    assert checked(body, "nps") == ["9"]
    assert response_of(invitation) is None
    for wrong in ("11", "-1", "nine", "", "³"):  # "³" is a digit to isdigit(), not to int()
        assert checked(text_of(client.get(link(invitation), {"score": wrong})), "nps") == []
    # The customer's own post records it.
    client.post(link(invitation), {"q_nps": "9"})
    assert answers_of(invitation) == {"nps": 9}


# --- answers saved one by one (the page's script) ---------------------------------------------


def test_each_answer_is_saved_the_moment_it_is_given(client, invitation, signals):
    answer = save(client, invitation, "nps", "4")
    assert answer.status_code == 200, answer.content
    assert answer.json()["saved"] == "nps" and answer.json()["response"]
    assert answers_of(invitation) == {"nps": 4}
    assert state_of(invitation) == "answered"
    assert response_of(invitation).completed_at is None
    assert save(client, invitation, "what_went_wrong", "Late", q_nps="4").status_code == 200
    assert save(client, invitation, "channels", ["ad", "friend"]).status_code == 200
    assert answers_of(invitation) == {
        "nps": 4,
        "what_went_wrong": "Late",
        "channels": ["friend", "ad"],
    }
    assert signals == [
        ("nps", 4, ""),
        ("what_went_wrong", None, "Late"),
        ("channels", None, ""),
    ]


def test_a_follow_up_is_saved_only_after_a_score_that_asks_it(client, invitation):
    refused = save(client, invitation, "what_you_liked", "Fast")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"q_what_you_liked": [refused.json()["detail"]]}
    save(client, invitation, "nps", "10")
    # The stored score opens it, and so does a score posted with it.
    assert save(client, invitation, "what_you_liked", "Fast").status_code == 200
    assert save(client, invitation, "what_went_wrong", "x", q_nps="3").status_code == 200
    assert save(client, invitation, "what_went_wrong", "x", q_nps="9").status_code == 400


@pytest.mark.parametrize(
    ("key", "value"),
    [("nps", "12"), ("csat", "x"), ("topic", "weather"), ("channels", "tv"), ("nope", "1")],
)
def test_a_wrong_single_answer_is_a_400_naming_the_field(client, invitation, key, value):
    answer = save(client, invitation, key, value)
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid" and body["detail"]
    assert list(body["fields"]) == [f"q_{key}" if key != "nope" else "only"]
    assert response_of(invitation) is None  # no empty response left behind


def test_a_customer_who_leaves_after_the_score_still_counts_and_may_come_back(client, invitation):
    save(client, invitation, "nps", "6")
    response = response_of(invitation)
    assert (response.completed_at, answers_of(invitation)) == (None, {"nps": 6})
    body = text_of(client.get(link(invitation), {"score": "10"}))
    assert checked(body, "nps") == ["6"]  # what they gave, not the email's button
    client.post(link(invitation), {"q_nps": "6", "q_what_went_wrong": "Rude driver"})
    assert answers_of(invitation) == {"nps": 6, "what_went_wrong": "Rude driver"}
    assert response_of(invitation).completed_at is not None


# --- the whole form (no JavaScript) -----------------------------------------------------------


def everything(score):
    """What a browser without JavaScript posts: every question shows, every one is filled."""
    return {
        "q_nps": str(score),
        "q_what_went_wrong": "Late",
        "q_what_you_liked": "Nice box",
        "q_csat": "4",
        "q_ces": "6",
        "q_topic": "speed",
        "q_channels": ["search", "ad"],
    }


@pytest.mark.parametrize(
    ("score", "follow_up", "kept"),
    [(2, "what_went_wrong", "Late"), (10, "what_you_liked", "Nice box"), (7, None, None)],
)
def test_without_javascript_the_form_stores_the_answers_that_apply(
    client, invitation, signals, score, follow_up, kept
):
    answer = client.post(link(invitation), everything(score))
    assert answer.status_code == 200
    assert "Thanks, see you soon!" in text_of(answer)
    expected = {"nps": score, "csat": 4, "ces": 6, "topic": ["speed"], "channels": ["ad", "search"]}
    if follow_up:
        expected[follow_up] = kept
    assert answers_of(invitation) == expected
    assert response_of(invitation).completed_at is not None
    assert state_of(invitation) == "answered"
    assert len(signals) == len(expected)


def test_the_thank_you_is_in_the_customers_language(client, every_kind, org_a):
    contact = make_contact(org_a, "c-fr", locale="fr")
    answer = client.post(link(make_invitation(every_kind, contact)), {"q_nps": "9"})
    assert "Merci, à bientôt !" in text_of(answer)


def test_a_missing_required_answer_keeps_the_others_and_asks_again(client, invitation):
    answer = client.post(link(invitation), {"q_csat": "2", "q_what_went_wrong": "Late"})
    assert answer.status_code == 400
    body = text_of(answer)
    assert "Please answer this question." in body
    assert checked(body, "csat") == ["2"]
    assert answers_of(invitation) == {"csat": 2}  # the follow-up waits for a low score
    assert response_of(invitation).completed_at is None
    client.post(link(invitation), {"q_nps": "1", "q_what_went_wrong": "Late"})
    assert answers_of(invitation) == {"csat": 2, "nps": 1, "what_went_wrong": "Late"}


def test_an_empty_form_asks_for_an_answer_and_stores_nothing(client, invitation):
    answer = client.post(link(invitation), {"q_nps": "", "lang": "en"})
    assert answer.status_code == 400
    assert "Please answer this question." in text_of(answer)
    assert response_of(invitation) is None


def test_an_empty_form_of_a_survey_without_required_question_says_so(client, org_a):
    content = type(EVERY_KIND)(
        intro={},
        thank_you={},
        questions=[{"key": "csat", "kind": "csat", "texts": texts("Happy?", "Content ?")}],
    )
    survey = make_survey(org_a, content, "Optional")
    invitation = make_invitation(survey, make_contact(org_a, "c-2"))
    answer = client.post(link(invitation), {})
    assert answer.status_code == 400
    assert "Answer at least one question, please." in text_of(answer)
    assert response_of(invitation) is None


def test_a_value_out_of_range_is_shown_with_what_is_accepted(client, invitation):
    answer = client.post(link(invitation), {"q_nps": "42", "q_csat": "3"})
    assert answer.status_code == 400
    assert "A score from 0 to 10, please." in text_of(answer)
    assert answers_of(invitation) == {"csat": 3}


def test_submitting_twice_changes_nothing(client, invitation, org_a, signals):
    first = client.post(link(invitation), everything(9))
    assert first.status_code == 200
    before = stored_answers(org_a)
    again = client.post(link(invitation), everything(2))
    assert again.status_code == 200
    assert "Your answers are already recorded." in text_of(again)
    late_save = save(client, invitation, "nps", "0")
    assert late_save.status_code == 410 and late_save.json()["error"] == "closed"
    assert stored_answers(org_a) == before
    assert len(signals) == 6
    assert "Your answers are already recorded." in text_of(client.get(link(invitation)))


def test_a_reminder_link_completes_the_same_response(client, invitation, every_kind, camille):
    save(client, invitation, "nps", "8")
    reminder = make_invitation(every_kind, camille, kind="reminder", channel="email")
    Invitation.objects.unscoped().filter(pk=reminder.pk).update(follows=invitation)
    body = text_of(client.get(link(reminder)))
    assert checked(body, "nps") == ["8"]
    client.post(link(reminder), {"q_nps": "8", "q_csat": "5"})
    assert Response.objects.unscoped().count() == 1
    assert answers_of(invitation) == {"nps": 8, "csat": 5}
    assert state_of(reminder) == "answered"


# --- closed links -----------------------------------------------------------------------------


def test_an_expired_link_gets_a_kind_page_and_records_nothing(client, invitation, org_a):
    Invitation.objects.unscoped().filter(pk=invitation.pk).update(state="expired")
    answer = client.get(link(invitation))
    assert answer.status_code == 410
    assert "This survey has closed" in text_of(answer)
    assert "Alpha Shop" in text_of(answer)
    assert client.post(link(invitation), everything(9)).status_code == 410
    assert save(client, invitation, "nps", "9").status_code == 410
    assert stored_answers(org_a) == ([], [])


def test_a_link_past_its_expiry_date_is_closed(client, invitation):
    Invitation.objects.unscoped().filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert "This survey has closed" in text_of(client.get(link(invitation)))


def test_an_expired_link_speaks_the_contacts_language(client, every_kind, org_a):
    contact = make_contact(org_a, "c-fr", locale="fr")
    invitation = make_invitation(every_kind, contact, state="expired")
    assert '<html lang="fr">' in text_of(client.get(link(invitation)))


def test_a_link_never_sent_is_withdrawn(client, invitation):
    Invitation.objects.unscoped().filter(pk=invitation.pk).update(state="suppressed")
    answer = client.get(link(invitation))
    assert answer.status_code == 410
    assert "This survey is not available" in text_of(answer)


def test_an_unknown_link_is_a_kind_404(client, invitation):
    answer = client.get(reverse("public:survey", kwargs={"token": "not-a-token"}))
    assert answer.status_code == 404
    assert "This link does not work" in text_of(answer)
    assert client.post(reverse("public:survey", kwargs={"token": "x"})).status_code == 404


# --- what protects the page -------------------------------------------------------------------


def test_a_post_needs_the_pages_csrf_token(invitation):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(link(invitation), {"q_nps": "9"}).status_code == 403
    page = browser.get(link(invitation))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert browser.post(link(invitation), {"q_nps": "9", "csrfmiddlewaretoken": token[1]})
    assert answers_of(invitation) == {"nps": 9}


def test_the_page_is_never_cached_and_only_get_and_post_are_served(client, invitation):
    answer = client.get(link(invitation))
    assert "no-store" in answer["Cache-Control"] or "no-cache" in answer["Cache-Control"]
    assert client.put(link(invitation)).status_code == 405


def test_posts_on_one_link_are_rate_limited(client, invitation, settings):
    from surveys.views import public

    # The limit counts per calendar minute: the clock stands still so that the posts cannot
    # straddle two windows (the test failed when they did).
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(public.POSTS_PER_MINUTE):
            save(client, invitation, "nps", "9")
        answer = save(client, invitation, "nps", "8")
    assert answer.status_code == 429
    assert answer.json()["error"] == "throttled"
    assert answers_of(invitation) == {"nps": 9}


# --- the page helper of open surveys (/q/) ----------------------------------------------------


def open_page(survey, **fields):
    with organization_scope(survey.organization):
        version = survey.current_version
    return SurveyPage(
        organization=survey.organization,
        version=version,
        channel="qr",
        get_response=open_response(),
        prefill=False,
        **fields,
    )


def post_open(page, data):
    request = RequestFactory().post("/q/key/", data, HTTP_ACCEPT="application/json")
    request._dont_enforce_csrf_checks = True
    return answer_survey_page(request, page)


def test_an_open_surveys_answers_join_one_response_by_its_signed_key(every_kind, org_a):
    page = open_page(every_kind)
    first = post_open(page, {"only": "nps", "q_nps": "3"})
    key = json.loads(first.content)["response"]
    post_open(page, {"only": "what_went_wrong", "q_what_went_wrong": "Queue", "response": key})
    with organization_scope(org_a):
        response = Response.objects.get()
        assert (response.channel, response.invitation_id) == ("qr", None)
        assert response.answers.count() == 2
    # A forged key starts a response of its own; a finished one changes no more.
    post_open(page, {"only": "nps", "q_nps": "9", "response": key + "x"})
    done = post_open(page, {"q_nps": "3", "response": key})
    assert done.status_code == 200
    post_open(page, {"q_nps": "10", "response": key})
    with organization_scope(org_a):
        assert Response.objects.count() == 2
        assert Answer.objects.get(response=response, question__key="nps").score == 3


def test_an_open_page_never_shows_the_previous_persons_answers(every_kind, org_a):
    page = open_page(every_kind)
    post_open(page, {"q_nps": "2"})
    request = RequestFactory().get("/q/key/")
    body = answer_survey_page(request, page).content.decode()
    assert checked(body, "nps") == []
    assert 'name="response" value=""' in body
