"""The surveys a contact answered, on the contact's profile page (a ``contact_panels`` entry:
contacts, to the left of surveys, shows it without importing surveys)."""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.translation import get_language

from .models import Answer, Response
from .rendering import localized

SHOWN = 20


@dataclass
class AnswerLine:
    question: str
    score: int | None
    text: str
    choices: list[str]


def contact_answers(organization, request, contact) -> dict:
    """The contact's latest responses, newest first, each answer with its question's text in
    the reader's language."""
    answers = Answer.objects.select_related("question").order_by("question__position", "pk")
    responses = list(
        Response.objects.filter(contact=contact)
        .select_related("survey_version__survey", "touchpoint")
        .prefetch_related(Prefetch("answers", queryset=answers))
        .order_by("-started_at", "-pk")[: SHOWN + 1]
    )
    language = (get_language() or "en").split("-")[0]
    fallback = organization.default_locale
    return {
        "responses": [
            {"response": response, "answers": lines(response, language, fallback)}
            for response in responses[:SHOWN]
        ],
        "more": len(responses) > SHOWN,
        "shown": SHOWN,
    }


def lines(response, language, fallback) -> list[AnswerLine]:
    result = []
    for answer in response.answers.all():
        question = answer.question
        labels = {
            choice.get("key"): localized(choice.get("texts"), language, fallback)
            for choice in question.choices or []
            if isinstance(choice, dict)
        }
        result.append(
            AnswerLine(
                question=localized(question.texts, language, fallback),
                score=answer.score,
                text=answer.text,
                choices=[labels.get(key) or key for key in answer.choices],
            )
        )
    return result
