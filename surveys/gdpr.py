"""What the surveys app stores about a contact, for GDPR access and erasure requests."""

from .models import Interaction, Invitation, Message


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
            "channel": message.channel,
            "to": message.to,
            "subject": message.subject,
            "body": message.body,
            "status": message.status,
            "created_at": message.created_at.isoformat(),
        }
        for message in Message.objects.filter(invitation__contact=contact).order_by("pk")
    ]


def erase_messages(contact) -> int:
    """The address and the text go (the body names the person and links to their survey); the
    rows stay, for the monthly SMS count and the delivery statistics."""
    return (
        Message.objects.filter(invitation__contact=contact)
        .exclude(to=ERASED)
        .update(to=ERASED, subject="", body=ERASED)
    )
