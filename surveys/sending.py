"""Sending one recorded message to its provider, and what its failure means.

The message row is already committed in ``sending``: a crash from here on leaves it for the
sweeper, which asks the provider and never sends again. A transient error (5xx, 429, the network)
is tried again later, up to ``MAX_ATTEMPTS``; a permanent one fails the invitation, marks the
address when the provider says it is unusable, and tries the rule's next channel once.
"""

import logging
from dataclasses import dataclass

from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from vocapp.contacts.models import AddressOptOut, OptOutSource
from vocapp.messaging.email import send_email
from vocapp.messaging.errors import TransportError
from vocapp.messaging.sms import SmsMessage, get_sms_backend
from vocapp.tenancy.scope import organization_scope

from . import composing
from .models import Invitation, Message, SenderNumber
from .selectors import delivery_policy

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
BACKOFF_SECONDS = (30, 120, 600)
# No answer: the request may have reached the provider, so trying again could send it twice.
AMBIGUOUS = {"timeout", "connection"}
# Twilio errors that say the number itself is unusable: it is marked, never tried again.
UNUSABLE_NUMBER = {"21211": OptOutSource.UNDELIVERABLE, "21610": OptOutSource.SMS_STOP}


@dataclass(frozen=True)
class Outcome:
    state: str  # sent, failed, retry or skipped
    retry_in: float | None = None


def send_message(message_id: int) -> Outcome:
    """Send a recorded message again (a retry) or for the first time (an SMS reply), by id."""
    message = (
        Message.objects.unscoped()
        .select_related("organization", "invitation__contact", "invitation__touchpoint")
        .filter(pk=message_id, status="sending")
        .first()
    )
    if message is None or message.attempts >= MAX_ATTEMPTS:
        return Outcome("skipped")
    # The attempt is counted (and the sweeper's clock reset) before the provider is called.
    Message.objects.unscoped().filter(pk=message.pk).update(
        attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    message.attempts += 1
    sender = sender_number(message.sender) if message.channel == "sms" else None
    return send_recorded(message, sender)


def send_recorded(message: Message, sender=None, email=None) -> Outcome:
    """Call the provider for a message committed in ``sending`` whose attempt is counted.
    ``sender`` is its SenderNumber (SMS), ``email`` the email as composed (else composed again)."""
    with organization_scope(message.organization):
        try:
            provider_id, segments = call_provider(message, sender, email)
        except TransportError as error:
            return handle_error(message, error)
        mark_sent(message, provider_id, segments)
    return Outcome("sent")


def call_provider(message: Message, sender, email) -> tuple[str, int]:
    if message.channel == "sms":
        sent = get_sms_backend().send(
            SmsMessage(
                to=message.to,
                sender=message.sender,
                body=message.body,
                credentials=sender.credentials() if sender else None,
                status_callback=composing.absolute(reverse("webhooks:twilio_status")),
            )
        )
        return sent.provider_id, sent.segments
    if email is None:
        email = composing.email_of(message.invitation, delivery_policy(message.organization))
    return send_email(email), 0


def sender_number(number: str):
    return SenderNumber.objects.filter(number=number).select_related("account").first()


# Every message goes through these two statements: plain SQL keeps them cheap (the ORM's
# query building cost more than the database's work here).
MARK_MESSAGE_SENT_SQL = """
UPDATE surveys_message SET status = 'sent', provider_id = %s, segments = %s, updated_at = %s
WHERE id = %s AND status = 'sending'
"""
MARK_INVITATION_SENT_SQL = """
UPDATE surveys_invitation SET state = 'sent', sent_at = %s, state_changed_at = %s
WHERE id = %s AND state = 'sending'
"""


def mark_sent(message: Message, provider_id: str, segments: int) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(MARK_MESSAGE_SENT_SQL, [provider_id, segments, now, message.pk])
        if message.invitation_id is not None:
            cursor.execute(MARK_INVITATION_SENT_SQL, [now, now, message.invitation_id])


def handle_error(message: Message, error: TransportError) -> Outcome:
    if error.code in AMBIGUOUS:
        logger.warning("message %s: %r, left uncertain (never sent twice)", message.pk, error)
        leave_uncertain(message)
        return Outcome("uncertain")
    if not error.permanent and message.attempts < MAX_ATTEMPTS:
        delay = error.retry_after or BACKOFF_SECONDS[min(message.attempts, 3) - 1]
        logger.warning("message %s: %r, trying again in %ss", message.pk, error, delay)
        return Outcome("retry", retry_in=delay)
    logger.warning("message %s failed: %r", message.pk, error)
    fail(message, error.code, error.detail)
    if error.code in UNUSABLE_NUMBER:
        mark_address(message.organization, "sms", message.to, UNUSABLE_NUMBER[error.code])
    return Outcome("failed")


def leave_uncertain(message: Message) -> bool:
    """``sending`` → ``uncertain``, once: False if someone else already moved it."""
    now = timezone.now()
    if not Message.objects.filter(pk=message.pk, status="sending").update(
        status="uncertain", updated_at=now
    ):
        return False
    Invitation.objects.filter(pk=message.invitation_id, state="sending").update(
        state="uncertain", state_changed_at=now
    )
    return True


def fail(message: Message, code: str, detail: str) -> None:
    """The message and its invitation failed for good; the rule's next channel gets a chance."""
    now = timezone.now()
    Message.objects.filter(pk=message.pk).exclude(status="failed").update(
        status="failed", error_code=code[:20], error=detail[:255], updated_at=now
    )
    failed = Invitation.objects.filter(
        pk=message.invitation_id, state__in=["sending", "sent", "uncertain"]
    ).update(state="failed", state_changed_at=now)
    if failed:
        from .followups import try_next_channel

        try_next_channel(Invitation.objects.get(pk=message.invitation_id), now)


def mark_address(organization, channel: str, address: str, source: str) -> None:
    """The address is opted out of the channel for the organization, whoever holds it."""
    AddressOptOut.objects.get_or_create(
        organization=organization, channel=channel, address=address, defaults={"source": source}
    )
