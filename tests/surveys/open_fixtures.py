"""A touchpoint with an open survey (``/q/<key>/``), for the open-survey and kiosk tests (each
test module makes its fixtures from these functions)."""

import re

from django.urls import reverse

from journeys.models import Journey, Stage, Touchpoint
from surveys.content import Content
from surveys.models import ListeningRule, Response
from surveys.versioning import create_survey
from vocapp.tenancy.scope import organization_scope

COUNTER = Content(
    intro={"en": "Tell us about your visit.", "fr": "Parlez-nous de votre visite."},
    thank_you={"en": "Thank you, see you soon!", "fr": "Merci, à bientôt !"},
    questions=[
        {
            "key": "nps",
            "kind": "nps",
            "required": True,
            "texts": {
                "en": "Would you recommend our store?",
                "fr": "Recommanderiez-vous notre magasin ?",
            },
        },
        {
            "key": "why",
            "kind": "text",
            "texts": {"en": "What went wrong?", "fr": "Qu'est-ce qui n'a pas été ?"},
            "show_if_score_min": 0,
            "show_if_score_max": 6,
        },
    ],
)


def make_touchpoint(organization, key="store-visit", name="Store visit"):
    with organization_scope(organization):
        journey = Journey.objects.create(name="In store")
        stage = Stage.objects.create(journey=journey, name="Visit")
        return Touchpoint.objects.create(stage=stage, name=name, key=key)


def make_open_survey(touchpoint, content=COUNTER, name="Store visit NPS", priority=50):
    """A survey and an active listening rule naming it at ``touchpoint``."""
    with organization_scope(touchpoint.organization):
        survey = create_survey(None, name=name, content=content)
        ListeningRule.objects.create(
            touchpoint=touchpoint, survey=survey, channels=["sms"], priority=priority
        )
        return survey


def open_url(touchpoint, **query) -> str:
    url = reverse("open_survey", kwargs={"public_key": touchpoint.public_key})
    if query:
        url += "?" + "&".join(f"{name}={value}" for name, value in query.items())
    return url


def contact_url(touchpoint, **query) -> str:
    url = reverse("open_survey_contact", kwargs={"public_key": touchpoint.public_key})
    if query:
        url += "?" + "&".join(f"{name}={value}" for name, value in query.items())
    return url


def responses_at(touchpoint) -> list[Response]:
    with organization_scope(touchpoint.organization):
        return list(
            Response.objects.filter(touchpoint=touchpoint)
            .select_related("contact", "device")
            .prefetch_related("answers__question")
            .order_by("pk")
        )


def answers_of(response) -> dict:
    return {
        answer.question.key: answer.score if answer.score is not None else answer.text
        for answer in response.answers.all()
    }


def details_key(page) -> str:
    """The signed key the thank-you's contact-details form carries."""
    found = re.search(r'name="details" value="([^"]+)"', page.content.decode())
    assert found, "the thank-you offers no contact-details form"
    return found.group(1)
