"""Recording what customers answer: one response per invitation, each answer stored the instant
it is given, whichever channel brings it (the survey page, an SMS reply, a kiosk).

A customer who leaves after the score still counts: every answer is its own write. Until the
response is completed an answer may be changed; after that, submitting again changes nothing.
``answer_recorded`` fires inside the transaction of each answer stored or changed.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import TRANSITIONS, Answer, Invitation, Question, Response
from .models.content import SCORED_KINDS
from .signals import answer_recorded

MAX_TEXT = 4000
# The states an invitation can be answered from (the state machine of ARCHITECTURE.md).
ANSWERABLE_FROM = tuple(old for old, targets in TRANSITIONS.items() if "answered" in targets)


class AnswerError(ValueError):
    """A value the question cannot take; the message says what it accepts."""


@dataclass(frozen=True)
class LinkState:
    """Whether an invitation's link can still be answered, and why not."""

    answerable: bool
    reason: str = ""  # expired, answered, withdrawn


def root_of(invitation: Invitation) -> Invitation:
    """The invitation a reminder or a next-channel retry follows: they share one response."""
    return invitation.follows if invitation.follows_id else invitation


def link_state(invitation: Invitation, now=None) -> LinkState:
    now = now or timezone.now()
    root = root_of(invitation)
    completed = Response.objects.filter(invitation=root, completed_at__isnull=False).exists()
    if completed:
        return LinkState(False, "answered")
    if invitation.state in ("suppressed", "scheduled"):
        return LinkState(False, "withdrawn")
    if invitation.contact.erased_at is not None:
        # The person asked to be forgotten: their old links take no new personal data.
        return LinkState(False, "withdrawn")
    if invitation.state == "expired" or (invitation.expires_at and now >= invitation.expires_at):
        return LinkState(False, "expired")
    return LinkState(True)


def response_for(invitation: Invitation, *, channel: str, locale: str = "") -> Response:
    """The invitation's response, made on its first answer (one per first invitation)."""
    root = root_of(invitation)
    existing = Response.objects.filter(invitation=root).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        # Two first answers at once (a double tap, an SMS and a click): the lock makes one.
        Invitation.objects.select_for_update().filter(pk=root.pk).first()
        response, _created = Response.objects.get_or_create(
            invitation=root,
            defaults={
                # QuerySet.get_or_create creates through the queryset, not the tenant manager
                # that fills the organization in: name it.
                "organization_id": root.organization_id,
                "survey_version_id": root.survey_version_id,
                "touchpoint_id": root.touchpoint_id,
                "contact_id": root.contact_id,
                "channel": channel,
                "locale": locale,
            },
        )
    return response


def clean_value(question: Question, value) -> dict:
    """The Answer fields for ``value``, or AnswerError naming what the question accepts."""
    if question.kind in SCORED_KINDS:
        try:
            score = int(str(value).strip())
        except (TypeError, ValueError):
            score = None
        if score is None or not question.scale_min <= score <= question.scale_max:
            raise AnswerError(
                _("A score from %(low)s to %(high)s, please.")
                % {"low": question.scale_min, "high": question.scale_max}
            )
        return {"score": score, "text": "", "choices": []}
    keys = [choice.get("key") for choice in question.choices or [] if isinstance(choice, dict)]
    if question.kind == "single":
        if value not in keys:
            raise AnswerError(_("One of the proposed answers, please."))
        return {"score": None, "text": "", "choices": [value]}
    if question.kind == "multiple":
        picked = [value] if isinstance(value, str) else list(value or [])
        if not picked or any(item not in keys for item in picked):
            raise AnswerError(_("Some of the proposed answers, please."))
        return {"score": None, "text": "", "choices": sorted(set(picked), key=keys.index)}
    text = str(value or "").replace("\x00", "").strip()
    if not text:
        raise AnswerError(_("A few words, please."))
    return {"score": None, "text": text[:MAX_TEXT], "choices": []}


def record_answer(response: Response, question: Question, value, *, invitation=None):
    """Store (or, before completion, change) one answer; returns it. Raises AnswerError."""
    if question.version_id != response.survey_version_id:
        # A question of another version (or survey) would mix two questionnaires in one response.
        raise AnswerError(_("This question is not part of the survey answered."))
    fields = clean_value(question, value)
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        answer = Answer.objects.filter(response=locked, question=question).first()
        if locked.completed_at is not None:
            return answer  # submitting again changes nothing
        if answer is None:
            answer = Answer.objects.create(response=locked, question=question, **fields)
        elif any(getattr(answer, name) != new for name, new in fields.items()):
            Answer.objects.filter(pk=answer.pk).update(**fields, updated_at=timezone.now())
            answer.refresh_from_db()
        else:
            return answer
        mark_answered(locked, invitation)
        answer_recorded.send(sender=Answer, answer=answer, response=locked)
    return answer


def mark_answered(response: Response, invitation=None) -> None:
    ids = {response.invitation_id, getattr(invitation, "pk", None)} - {None}
    if ids:
        Invitation.objects.filter(pk__in=ids, state__in=ANSWERABLE_FROM).update(
            state="answered", state_changed_at=timezone.now()
        )


def complete(response: Response) -> bool:
    """The customer sent the page: the response is complete. False if it already was."""
    return bool(
        Response.objects.filter(pk=response.pk, completed_at__isnull=True).update(
            completed_at=timezone.now()
        )
    )


def main_question(questions) -> Question | None:
    """The first scored question that is not a follow-up: the one the indicators read."""
    return next(
        (q for q in questions if q.kind in SCORED_KINDS and q.show_if_score_min is None), None
    )


def shown_for(question: Question, main_score: int | None) -> bool:
    """Whether a question is asked, given the main score (follow-ups depend on it)."""
    if question.show_if_score_min is None:
        return True
    if main_score is None:
        return False
    return question.show_if_score_min <= main_score <= question.show_if_score_max


def follow_up_for(questions, main_score: int):
    """The first open question asked after this score (the SMS conversation's second step)."""
    main = main_question(questions)
    return next(
        (q for q in questions if q is not main and q.kind == "text" and shown_for(q, main_score)),
        None,
    )


def stored_main_score(response: Response | None, questions) -> int | None:
    """The main question's stored score in ``response``, or None."""
    main = main_question(questions)
    if response is None or main is None:
        return None
    answers = Answer.objects.filter(response=response, question=main)
    return answers.values_list("score", flat=True).first()


def discard_unasked(response: Response, questions) -> int:
    """Before completion, drop follow-up answers the final main score does not ask for.

    A customer who scored 3, explained what went wrong, then changed to 9 answered a question
    that no longer applies: only the answers that apply are kept. Returns the answers dropped.
    """
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.completed_at is not None:
            return 0
        score = stored_main_score(locked, questions)
        unasked = [q.pk for q in questions if not shown_for(q, score)]
        deleted, _by_model = Answer.objects.filter(response=locked, question__in=unasked).delete()
    return deleted
