"""What the surveys app stores about a contact, for GDPR access and erasure requests."""

from .models import Interaction, Invitation


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
