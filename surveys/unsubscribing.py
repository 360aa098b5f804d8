"""The unsubscribe link of every invitation (``/u/<token>/``): what it stops, and stopping it.

The link opts out the address the invitation was sent to, on the channel it went by, for the
organization that sent it (ARCHITECTURE.md: "the unsubscribe page ... opt the address out of that
channel at once, for every sender the organization uses"). The opt-out is held per address, so a
scheduled invitation to that address is suppressed when the dispatcher checks it again
(``opted_out_since_scheduled``).
"""

from dataclasses import dataclass

from django.db import transaction

from vocapp.contacts.models import AddressOptOut, Channel, OptOutSource
from vocapp.tenancy.audit import record_audit

from .models import Invitation, Message
from .sending import mark_address


@dataclass(frozen=True)
class Target:
    """What one unsubscribe link stops: an address on a channel, for an organization."""

    invitation: Invitation
    channel: str  # sms or email
    address: str

    @property
    def organization(self):
        return self.invitation.organization


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation of an unsubscribe link, in any organization (the token is the secret)."""
    if not token or len(token) > Invitation._meta.get_field("token").max_length:
        return None
    return (
        Invitation.objects.unscoped()
        .select_related("organization", "contact")
        .filter(token=token)
        .first()
    )


def target_of(invitation: Invitation) -> Target | None:
    """The address the invitation's message went to (else the contact's address on its channel).

    Call inside the invitation's organization scope. None when there is nothing to stop: no
    channel decided yet, or an erased contact's address is gone.
    """
    sent = (
        Message.objects.filter(invitation=invitation, direction="out")
        .exclude(to="")
        .order_by("-created_at", "-id")
        .first()
    )
    if sent is not None and sent.channel in Channel.values:
        return Target(invitation, sent.channel, sent.to)
    contact = invitation.contact
    address = {"sms": contact.phone, "email": contact.email}.get(invitation.channel, "")
    if not address:
        return None
    return Target(invitation, invitation.channel, address)


def is_unsubscribed(target: Target) -> bool:
    return AddressOptOut.objects.filter(channel=target.channel, address=target.address).exists()


def unsubscribe(target: Target) -> bool:
    """Opt the address out of the channel for the organization; False if it already was."""
    with transaction.atomic():
        if is_unsubscribed(target):
            return False
        mark_address(target.organization, target.channel, target.address, OptOutSource.UNSUBSCRIBE)
        # No user acted: the customer did, through the link of this invitation.
        record_audit(
            None,
            "contact.unsubscribed",
            target.invitation.contact,
            {"channel": target.channel, "invitation": target.invitation.pk},
        )
    return True


def masked(channel: str, address: str) -> str:
    """Enough of the address for its owner to recognise it, not enough to learn it."""
    if channel == "email" and "@" in address:
        local, domain = address.rsplit("@", 1)
        return f"{local[:1]}•••@{domain}"
    return f"•••{address[-2:]}" if len(address) > 4 else "•••"
