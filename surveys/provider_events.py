"""What providers tell us after sending: Twilio status callbacks, anymail tracking events, and the
sweeper's questions about messages left in ``sending``. States only ever move forward."""

import logging
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from vocapp.contacts.models import OptOutSource
from vocapp.messaging.sms import get_sms_backend
from vocapp.tenancy.scope import organization_scope

from . import composing
from .models import STATUS_RANK, TRANSITIONS, Invitation, Message
from .notices import notify_admins
from .sending import fail, leave_uncertain, mark_address, sender_number

logger = logging.getLogger(__name__)

# Twilio's message statuses, as ours; the others (queued, accepted, sending…) say nothing new.
TWILIO_STATUS = {
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "failed",
    "failed": "failed",
}
UNREACHABLE_NUMBER = {"30005", "30006"}  # unknown or landline: the number is marked
CARRIER_FILTERED = "30007"  # the admins must hear of it
STALE_SENDING = timedelta(minutes=15)  # longer than every retry's back-off


def apply_sms_status(provider_id: str, status: str, error_code: str = "") -> bool:
    """A Twilio status for a message we sent; False when we do not know the message."""
    new = TWILIO_STATUS.get(status)
    message = (
        Message.objects.unscoped()
        .select_related("organization")
        .filter(channel="sms", provider_id=provider_id)
        .first()
    )
    if message is None:
        logger.info("status %s for unknown message %s", status, provider_id)
        return False
    if new is None:
        return True
    with organization_scope(message.organization):
        advance(message, new, error_code)
        if new == "failed":
            react_to_sms_error(message, error_code)
    return True


def advance(message: Message, status: str, error_code: str = "") -> bool:
    """Move the message and its invitation forward; a late or repeated event changes nothing."""
    if STATUS_RANK[status] <= STATUS_RANK[message.status] and message.status != "uncertain":
        return False
    if status == "failed":
        fail(message, error_code, f"provider status {status}")
        return True
    now = timezone.now()
    Message.objects.filter(pk=message.pk, status=message.status).update(
        status=status, updated_at=now
    )
    move_invitation(message.invitation_id, status, now)
    return True


def move_invitation(invitation_id, state: str, now) -> None:
    allowed_from = [old for old, targets in TRANSITIONS.items() if state in targets]
    changes = {"state": state, "state_changed_at": now}
    if state == "sent":
        changes["sent_at"] = now
    Invitation.objects.filter(pk=invitation_id, state__in=allowed_from).update(**changes)


def react_to_sms_error(message: Message, code: str) -> None:
    if code in UNREACHABLE_NUMBER:
        mark_address(message.organization, "sms", message.to, OptOutSource.UNDELIVERABLE)
    elif code == CARRIER_FILTERED:
        link = composing.absolute(reverse("surveys:channels", args=[message.organization.slug]))
        notify_admins(
            message.organization, "sms-filtered", {"sender": message.sender, "settings_link": link}
        )


# --- Email tracking (anymail) -------------------------------------------------------------

EMAIL_OPT_OUTS = {
    "bounced": OptOutSource.BOUNCE,
    "complained": OptOutSource.COMPLAINT,
    "unsubscribed": OptOutSource.UNSUBSCRIBE,
}


def apply_email_event(event) -> bool:
    """An anymail tracking event: delivered, bounced, complained or unsubscribed."""
    message = email_message_of(event)
    if message is None:
        logger.info("tracking %s for an unknown email %s", event.event_type, event.message_id)
        return False
    with organization_scope(message.organization):
        if event.event_type == "delivered":
            advance(message, "delivered")
        elif event.event_type == "bounced":
            advance(message, "failed", "bounce")
        if event.event_type in EMAIL_OPT_OUTS:
            mark_address(
                message.organization, "email", message.to, EMAIL_OPT_OUTS[event.event_type]
            )
    return True


def email_message_of(event):
    messages = Message.objects.unscoped().select_related("organization").filter(channel="email")
    if event.message_id:
        found = messages.filter(provider_id=event.message_id).first()
        if found is not None:
            return found
    token = (event.metadata or {}).get("invitation")
    if token:
        return messages.filter(invitation__token=token).order_by("-pk").first()
    return None


# --- The sweeper --------------------------------------------------------------------------


def sweep_sending(now=None) -> int:
    """Messages stuck in ``sending`` become ``uncertain``; the provider is asked where it can."""
    now = now or timezone.now()
    stale = (
        Message.objects.unscoped()
        .select_related("organization")
        .filter(status="sending", updated_at__lt=now - STALE_SENDING)
    )
    swept = 0
    for message in stale:
        with organization_scope(message.organization):
            if not leave_uncertain(message):
                continue
            message.status = "uncertain"
            swept += 1
            ask_provider(message)
    return swept


def ask_provider(message: Message) -> None:
    """Where the provider can tell what became of the message, believe it; never send again."""
    if message.channel != "sms" or not message.provider_id:
        return
    sender = sender_number(message.sender)
    status = get_sms_backend().fetch_status(
        message.provider_id, sender.credentials() if sender else None
    )
    if status in TWILIO_STATUS:
        advance(message, TWILIO_STATUS[status])
