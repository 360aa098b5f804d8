"""A survey with every kind of question, in English and French, and invitations to answer it.

Import the fixtures into a test module (``from tests.surveys.answering_fixtures import *``-free:
name the ones used) as the module's conftest does for the fakes.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from surveys.content import Content
from surveys.models import Invitation, Response
from surveys.versioning import create_survey
from vocapp.contacts.models import Contact
from vocapp.tenancy.scope import organization_scope


def texts(en, fr):
    return {"en": en, "fr": fr}


def choices(*items):
    return [{"key": key, "texts": texts(en, fr)} for key, en, fr in items]


EVERY_KIND = Content(
    intro=texts("Thank you for your order.", "Merci pour votre commande."),
    thank_you=texts("Thanks, see you soon!", "Merci, à bientôt !"),
    questions=[
        {
            "key": "nps",
            "kind": "nps",
            "required": True,
            "texts": texts(
                "How likely are you to recommend us?",
                "Quelle est la probabilité que vous nous recommandiez ?",
            ),
        },
        {
            "key": "what_went_wrong",
            "kind": "text",
            "texts": texts("What went wrong?", "Qu'est-ce qui n'a pas été ?"),
            "show_if_score_min": 0,
            "show_if_score_max": 6,
        },
        {
            "key": "what_you_liked",
            "kind": "text",
            "texts": texts("What did you like most?", "Qu'avez-vous le plus apprécié ?"),
            "show_if_score_min": 9,
            "show_if_score_max": 10,
        },
        {
            "key": "csat",
            "kind": "csat",
            "texts": texts(
                "How satisfied are you with the delivery?", "Satisfait de la livraison ?"
            ),
        },
        {
            "key": "ces",
            "kind": "ces",
            "scale_min": 1,
            "scale_max": 7,
            "texts": texts("How easy was it to order?", "Était-il facile de commander ?"),
        },
        {
            "key": "topic",
            "kind": "single",
            "texts": texts("What matters most to you?", "Qu'est-ce qui compte le plus ?"),
            "choices": choices(
                ("price", "Price", "Le prix"),
                ("speed", "Speed", "La rapidité"),
                ("service", "Service", "Le service"),
            ),
        },
        {
            "key": "channels",
            "kind": "multiple",
            "texts": texts("How did you hear of us?", "Comment nous avez-vous connus ?"),
            "choices": choices(
                ("friend", "A friend", "Un proche"),
                ("ad", "An advert", "Une publicité"),
                ("search", "A search engine", "Un moteur de recherche"),
            ),
        },
    ],
)


def make_survey(organization, content=EVERY_KIND, name="Every kind"):
    with organization_scope(organization):
        return create_survey(None, name=name, content=content)


def make_contact(organization, external_id="c-1", **fields):
    with organization_scope(organization):
        return Contact.objects.create(external_id=external_id, **fields)


def make_invitation(survey, contact, **fields):
    """A sent SMS invitation, valid for a week, as the dispatcher leaves it."""
    fields = {
        "kind": "hot",
        "channel": "sms",
        "state": "sent",
        "expires_at": timezone.now() + timedelta(days=7),
        **fields,
    }
    with organization_scope(survey.organization):
        return Invitation.objects.create(
            contact=contact, survey_version=survey.current_version, **fields
        )


def answers_of(invitation) -> dict:
    """``{question key: score, text or choices}`` stored for the invitation's response."""
    with organization_scope(invitation.organization):
        response = Response.objects.filter(invitation=invitation.follows or invitation).first()
        if response is None:
            return {}
        return {
            answer.question.key: (
                answer.score
                if answer.score is not None
                else (answer.choices if answer.choices else answer.text)
            )
            for answer in response.answers.select_related("question")
        }


def response_of(invitation) -> Response | None:
    with organization_scope(invitation.organization):
        return Response.objects.filter(invitation=invitation.follows or invitation).first()


def question(survey, key):
    with organization_scope(survey.organization):
        return survey.current_version.questions.get(key=key)


@pytest.fixture
def every_kind(org_a):
    return make_survey(org_a)


@pytest.fixture
def camille(org_a):
    return make_contact(org_a, first_name="Camille", phone="+33612345678", locale="en")


@pytest.fixture
def invitation(every_kind, camille):
    return make_invitation(every_kind, camille)
