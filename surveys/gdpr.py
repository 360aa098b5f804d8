"""What the surveys app stores about a contact, for GDPR access and erasure requests."""

from django.db.models import Prefetch

from .models import Answer, Interaction, Invitation, Message, Response


def export_interactions(contact) -> list[dict]:
    return [
        {
            "external_id": interaction.external_id,
            "touchpoint": interaction.touchpoint.key,
            "occurred_at": interaction.occurred_at.isoformat(),
            "attributes": interaction.attributes,
        }
        for interaction in Interaction.objects.filter(contact=contact).select_related("touchpoint")
    ]


def export_invitations(contact) -> list[dict]:
    return [
        {
            "kind": invitation.kind,
            "channel": invitation.channel,
            "state": invitation.state,
            "reason": invitation.reason,
            "send_at": invitation.send_at.isoformat() if invitation.send_at else None,
            "created_at": invitation.created_at.isoformat(),
        }
        for invitation in Invitation.objects.filter(contact=contact).order_by("pk")
    ]


def erase_interactions(contact) -> int:
    """Interaction attributes may name the contact (an order, an agent's note): they go.

    The rows stay, without personal data, so that journeys' volumes remain true; invitations
    carry nothing personal beyond the (erased) contact they point to.
    """
    return (
        Interaction.objects.filter(contact=contact)
        .exclude(attributes={}, fingerprint={})
        .update(attributes={}, fingerprint={})
    )


ERASED = "[erased]"


def export_messages(contact) -> list[dict]:
    return [
        {
            "direction": message.direction,
            "channel": message.channel,
            "from": message.sender,
            "to": message.to,
            "subject": message.subject,
            "body": message.body,
            "status": message.status,
            "created_at": message.created_at.isoformat(),
        }
        for message in Message.objects.filter(invitation__contact=contact).order_by("pk")
    ]


def erase_messages(contact) -> int:
    """The address and the text go (the body names the person and links to their survey; a
    reply is their own words); the rows stay, for the monthly SMS count and delivery statistics.
    The customer's number is ``to`` of what we sent and ``sender`` of what they sent us."""
    messages = Message.objects.filter(invitation__contact=contact).exclude(body=ERASED)
    received = messages.filter(direction="in").update(sender=ERASED, subject="", body=ERASED)
    sent = messages.filter(direction="out").update(to=ERASED, subject="", body=ERASED)
    return received + sent


def export_responses(contact) -> list[dict]:
    """Every survey the contact answered, each answer with the question as it was asked."""
    answers = Answer.objects.select_related("question").order_by("question__position", "pk")
    responses = (
        Response.objects.filter(contact=contact)
        .select_related("survey_version__survey", "touchpoint")
        .prefetch_related(Prefetch("answers", queryset=answers))
        .order_by("pk")
    )
    return [
        {
            "survey": response.survey_version.survey.name,
            "touchpoint": response.touchpoint.key if response.touchpoint_id else None,
            "channel": response.channel,
            "locale": response.locale,
            "started_at": response.started_at.isoformat(),
            "completed_at": response.completed_at.isoformat() if response.completed_at else None,
            "answers": [
                {
                    "question": answer.question.key,
                    "asked": answer.question.text_for(response.locale or "en"),
                    "score": answer.score,
                    "text": answer.text,
                    "choices": answer.choices,
                }
                for answer in response.answers.all()
            ],
        }
        for response in responses
    ]


def erase_answers(contact) -> int:
    """Verbatims may say anything about the person: each becomes "[erased]". Scores and choices
    stay, anonymous, so that the indicators they counted in remain true."""
    return (
        Answer.objects.filter(response__contact=contact)
        .exclude(text="")
        .exclude(text=ERASED)
        .update(text=ERASED)
    )
