"""A shop with a journey, surveys, contacts, and answers and invitations written straight to the
tables at chosen times (``vocapp.bulk``), for the rollups and metrics tests."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from journeys.models import Stage, Touchpoint
from journeys.services import create_journey_from_template
from surveys.content import Content
from surveys.models import RESPONSE_ROW_COLUMNS, Answer, Interaction, Invitation, Response
from tests.surveys.answering_fixtures import make_survey
from vocapp.bulk import insert_rows
from vocapp.contacts.models import Contact, Segment
from vocapp.tenancy.scope import organization_scope

PARIS = ZoneInfo("Europe/Paris")

EFFORT_ON_FIVE = Content(
    questions=[
        {
            "key": "effort",
            "kind": "ces",
            "scale_min": 1,
            "scale_max": 5,
            "texts": {"en": "How easy was it?", "fr": "Était-ce facile ?"},
        },
        {"key": "why", "kind": "text", "texts": {"en": "Why?", "fr": "Pourquoi ?"}},
    ]
)


@dataclass
class Shop:
    organization: object
    journey: object
    stages: list
    touchpoints: list
    # "nps", "csat", "ces" (1–7), "text" of the survey with every kind; "ces5" (1–5), "why".
    questions: dict
    contacts: list = field(default_factory=list)
    french: object = None  # a segment: contacts whose language is French


def local(*args) -> datetime:
    """An aware datetime from a Paris wall-clock time."""
    return datetime(*args, tzinfo=PARIS)


def make_shop(organization, actor=None) -> Shop:
    journey = create_journey_from_template(organization, "ecommerce", actor)
    every_kind = make_survey(organization)
    effort = make_survey(organization, EFFORT_ON_FIVE, name="Effort on five")
    with organization_scope(organization):
        stages = list(Stage.objects.filter(journey=journey).order_by("position"))
        touchpoints = list(Touchpoint.objects.filter(stage__journey=journey).order_by("pk"))
        questions = {q.key: q for q in every_kind.current_version.questions.all()}
        questions["ces5"] = effort.current_version.questions.get(key="effort")
        questions["why"] = effort.current_version.questions.get(key="why")
        questions["text"] = questions["what_went_wrong"]
        contacts = [
            Contact.objects.create(external_id=f"c-{i}", locale="fr" if i % 3 == 0 else "en")
            for i in range(9)
        ]
        french = Segment.objects.create(
            name="French speakers",
            conditions=[{"attribute": "locale", "op": "eq", "value": "fr"}],
        )
    return Shop(organization, journey, stages, touchpoints, questions, contacts, french)


def write_interactions(shop, rows) -> list[int]:
    """rows: (touchpoint, contact, attributes)."""
    now = timezone.now()
    return insert_rows(
        Interaction,
        ["organization_id", "touchpoint_id", "contact_id", "occurred_at", "attributes"],
        [(shop.organization.pk, tp.pk, contact.pk, now, attrs) for tp, contact, attrs in rows],
    )


def write_invitations(shop, rows) -> list[int]:
    """rows: dicts with touchpoint, contact, channel, state, sent_at, interaction (id)."""
    version = shop.questions["nps"].version_id
    return insert_rows(
        Invitation,
        [
            "organization_id",
            "contact_id",
            "interaction_id",
            "survey_version_id",
            "touchpoint_id",
            "kind",
            "channel",
            "state",
            "sent_at",
        ],
        [
            (
                shop.organization.pk,
                row["contact"].pk,
                row.get("interaction"),
                version,
                row["touchpoint"].pk if row.get("touchpoint") else None,
                "hot",
                row.get("channel", "sms"),
                row["state"],
                row.get("sent_at"),
            )
            for row in rows
        ],
    )


def write_responses(shop, rows) -> list[int]:
    """rows: dicts with at, touchpoint, channel, contact, invitation (id), and answers: a list
    of (question key, score or None, text). One response each, its answers created at ``at``
    (and updated now, as a late import would be)."""
    organization, now = shop.organization.pk, timezone.now()
    ids = insert_rows(
        Response,
        RESPONSE_ROW_COLUMNS,
        [
            (
                organization,
                shop.questions[row["answers"][0][0]].version_id,
                row["touchpoint"].pk if row.get("touchpoint") else None,
                row["contact"].pk if row.get("contact") else None,
                row.get("invitation"),
                row.get("channel", "sms"),
                "en",
                row["at"],
                row["at"],
            )
            for row in rows
        ],
    )
    answers = [
        (organization, response, shop.questions[key].pk, score, text, row["at"], now)
        for response, row in zip(ids, rows, strict=True)
        for key, score, text in row["answers"]
    ]
    insert_rows(
        Answer,
        [
            "organization_id",
            "response_id",
            "question_id",
            "score",
            "text",
            "created_at",
            "updated_at",
        ],
        answers,
    )
    return ids
