"""Dispatch: due invitations leave fairly between tenants, at the providers' pace, never twice.

One pass claims batches until nothing is due (or every sender has spent its second):
1. pick the due invitations by priority then ``send_at``, at most ``per_organization`` of each
   organization in a batch, so that one tenant's cold campaign never starves another's hot
   surveys; PostgreSQL locks them with SKIP LOCKED, every database claims each one by a
   conditional UPDATE (``scheduled`` → ``sending``), so two workers never take the same row;
2. check each again (consent, opt-outs, fatigue, window: ``scheduling.check_at_sending``);
3. take the senders' tokens for the batch, then record its messages (status ``sending``, the
   first attempt counted) in one insert, and commit, before any provider is called;
4. send the recorded messages (``sending.send_recorded``), each marked sent as soon as its
   provider has it.

A batch costs a handful of statements whatever its size: the throughput is the providers'.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import groupby

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from vocapp.contacts.upsert import opted_out_addresses
from vocapp.messaging.templates import MessageTooLong
from vocapp.tenancy.scope import organization_scope

from . import composing, pacing
from .models import Invitation, Message, SenderNumber, SuppressionReason
from .notices import notify_admins
from .planning import address_opt_outs, horizon, person_of, recent_invitations
from .scheduling import Pending, Policy, check_at_sending
from .selectors import delivery_policy, senders_for

logger = logging.getLogger(__name__)

# Hot surveys first across every organization, and no tenant takes more than its share.
# PostgreSQL reads each organization's first K due rows from the partial index (a lateral join):
# the cost stays flat however large a campaign is waiting.
FAIR_DUE_LATERAL_SQL = """
SELECT due.id FROM tenancy_organization AS organization
CROSS JOIN LATERAL (
    SELECT id, priority, send_at FROM surveys_invitation
    WHERE organization_id = organization.id AND state = 'scheduled' AND send_at <= %s
    ORDER BY priority DESC, send_at, id
    LIMIT %s
) AS due
ORDER BY due.priority DESC, due.send_at, due.id
LIMIT %s
"""
# Elsewhere (SQLite, the embedded default) a window over the due rows does the same.
FAIR_DUE_SQL = """
SELECT id FROM (
    SELECT id, priority, send_at, ROW_NUMBER() OVER (
        PARTITION BY organization_id ORDER BY priority DESC, send_at, id
    ) AS place
    FROM surveys_invitation
    WHERE state = 'scheduled' AND send_at <= %s
) AS due
WHERE place <= %s
ORDER BY priority DESC, send_at, id
LIMIT %s
"""


@dataclass
class Outgoing:
    """A message to send and what its sending needs, from the claim to the provider."""

    invitation: Invitation
    channel: str
    to: str
    sender: str
    body: str
    subject: str = ""
    sender_number: SenderNumber | None = None  # SMS: its Twilio account
    email: composing.OutgoingEmail | None = None  # email: headers and HTML as composed
    message: Message | None = None  # once recorded

    @property
    def pace_key(self) -> tuple[str, str]:
        return (self.channel, self.sender if self.channel == "sms" else "email")


@dataclass
class PassResult:
    counts: Counter = field(default_factory=Counter)
    retries: list = field(default_factory=list)  # (message id, seconds) to try again later

    def __str__(self):
        return ", ".join(f"{name} {count}" for name, count in sorted(self.counts.items())) or "-"


def dispatch_due(now=None, *, batch=None, per_organization=None, max_batches=1000) -> PassResult:
    """Claim, check, record and send what is due, batch after batch; returns what happened."""
    from .sending import send_recorded

    batch = batch or settings.DISPATCH_BATCH
    per_organization = per_organization or settings.DISPATCH_PER_ORGANIZATION
    result = PassResult()
    for _ in range(max_batches):
        moment = now or timezone.now()
        outgoing, counts = claim_batch(moment, size=batch, per_organization=per_organization)
        result.counts.update(counts)
        for item in outgoing:
            outcome = send_recorded(item.message, item.sender_number, item.email)
            result.counts[outcome.state] += 1
            if outcome.retry_in is not None:
                result.retries.append((item.message.pk, outcome.retry_in))
        if not outgoing:
            break
    return result


def claim_batch(now, *, size: int, per_organization: int) -> tuple[list[Outgoing], Counter]:
    """Claim one fair batch and record its messages; returns them, ready to send."""
    counts, outgoing = Counter(), []
    with transaction.atomic():
        invitations = lock_due(now, size, per_organization)
        for _organization_id, group in groupby(invitations, key=lambda i: i.organization_id):
            group = list(group)
            with organization_scope(group[0].organization):
                outgoing += prepare(group[0].organization, group, now, counts)
    return outgoing, counts


def lock_due(now, size: int, per_organization: int) -> list[Invitation]:
    with connection.cursor() as cursor:
        moment = connection.ops.adapt_datetimefield_value(now)
        fair_due = FAIR_DUE_LATERAL_SQL if connection.vendor == "postgresql" else FAIR_DUE_SQL
        cursor.execute(fair_due, [moment, per_organization, size])
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    due = Invitation.objects.unscoped().filter(pk__in=ids, state="scheduled")
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True, of=("self",))
    rows = due.select_related("contact", "organization", "touchpoint", "rule", "interaction")
    return sorted(rows, key=lambda i: (i.organization_id, -i.priority, i.send_at, i.pk))


def prepare(organization, invitations: list, now, counts: Counter) -> list[Outgoing]:
    """Check the organization's claimed invitations again and record the messages to send."""
    stored_policy = delivery_policy(organization)
    policy = Policy.of(organization, stored_policy)
    contacts = {invitation.contact_id: invitation.contact for invitation in invitations}
    blocked = opted_out_addresses(contacts.values())
    past = recent_invitations(list(contacts), horizon(policy, now))
    channels = Channels(organization, stored_policy, now)
    drafts = []
    for invitation in invitations:
        contact = invitation.contact
        person = person_of(contact, frozenset(), address_opt_outs(contact, blocked))
        verdict = check_at_sending(person, pending_of(invitation), past[contact.pk], policy, now)
        if verdict.action == "send":
            outcome = channels.draft(invitation)
        elif verdict.action == "postpone":
            outcome = postpone(invitation, verdict.send_at)
        elif verdict.action == "expire":
            outcome = move(invitation, "expired", now)
        else:
            outcome = move(invitation, "suppressed", now, reason=verdict.reason)
        if isinstance(outcome, Outgoing):
            drafts.append(outcome)
        elif outcome:
            counts[outcome] += 1
    outgoing = record(channels.paced(drafts, counts), now)
    counts["claimed"] += len(outgoing)
    return outgoing


def pending_of(invitation: Invitation) -> Pending:
    deadline = None
    if invitation.rule is not None and invitation.kind == "hot":
        interaction = invitation.interaction
        base = interaction.occurred_at if interaction is not None else invitation.created_at
        deadline = base + timedelta(minutes=invitation.rule.max_delay_minutes)
    return Pending(
        id=invitation.pk,
        kind=invitation.kind,
        channel=invitation.channel,
        send_at=invitation.send_at,
        expires_at=invitation.expires_at,
        deadline=deadline,
        follows=invitation.follows_id,
    )


def move(invitation: Invitation, state: str, now, reason: str = "") -> str | None:
    """A conditional move out of ``scheduled``: a row another worker claimed is left alone."""
    changed = (
        Invitation.objects.unscoped()
        .filter(pk=invitation.pk, state="scheduled")
        .update(state=state, reason=reason, state_changed_at=now)
    )
    return (reason or state) if changed else None


def postpone(invitation: Invitation, send_at) -> str | None:
    changed = (
        Invitation.objects.unscoped()
        .filter(pk=invitation.pk, state="scheduled")
        .update(send_at=send_at)
    )
    return "postponed" if changed else None


class Channels:
    """An organization's senders, SMS budget and pace, while one batch is recorded."""

    def __init__(self, organization, stored_policy, now):
        self.organization = organization
        self.policy = stored_policy
        self.now = now
        self._senders = None
        self._segments_used = None

    def draft(self, invitation: Invitation):
        """The message to send, or what happened instead (a reason, or None if lost)."""
        if invitation.channel == "sms":
            return self.draft_sms(invitation)
        email = composing.email_of(invitation, self.policy)
        return Outgoing(
            invitation,
            "email",
            email.to,
            email.from_email,
            email.text,
            subject=email.subject,
            email=email,
        )

    def draft_sms(self, invitation: Invitation):
        sender = self.sender_for(invitation.contact_id)
        if sender is None:
            return move(invitation, "suppressed", self.now, reason=SuppressionReason.NO_SENDER)
        if self.cap_reached():
            return move(invitation, "suppressed", self.now, reason=SuppressionReason.SMS_CAP)
        try:
            body = composing.sms_body(invitation, sender)
        except MessageTooLong:
            logger.exception("invitation %s: no SMS template fits one segment", invitation.pk)
            return move(invitation, "suppressed", self.now, reason=SuppressionReason.NO_SENDER)
        if self._segments_used is not None:
            self._segments_used += 1  # one segment: bodies are rendered to fit one
        return Outgoing(
            invitation, "sms", invitation.contact.phone, sender.number, body, sender_number=sender
        )

    def paced(self, drafts: list[Outgoing], counts: Counter) -> list[Outgoing]:
        """The drafts their senders have tokens for this second; the others wait, scheduled."""
        granted = {}
        for key, group in groupby(sorted(drafts, key=lambda d: d.pace_key), lambda d: d.pace_key):
            granted[key] = pacing.take_tokens(*key, count=len(list(group)))
        allowed = []
        for draft in drafts:
            if granted[draft.pace_key] > 0:
                granted[draft.pace_key] -= 1
                allowed.append(draft)
                continue
            counts["paced"] += 1
            if draft.channel == "sms" and self._segments_used is not None:
                self._segments_used -= 1
        return allowed

    def sender_for(self, contact_id: int):
        """The same sender for a contact every time, so that their replies find their survey."""
        if self._senders is None:
            self._senders = senders_for(self.organization)
        if not self._senders:
            return None
        return self._senders[contact_id % len(self._senders)]

    def cap_reached(self) -> bool:
        cap = self.policy.sms_monthly_cap
        if not cap:
            return False
        if self._segments_used is None:
            self._segments_used = segments_this_month(self.organization, self.now)
        if self._segments_used < cap:
            return False
        announce_cap(self.organization, self.policy, self._segments_used, self.now)
        return True


# Claims the invitations still scheduled (one UPDATE whatever the batch) and says which.
CLAIM_SQL = """
UPDATE surveys_invitation SET state = 'sending', state_changed_at = %s
WHERE state = 'scheduled' AND id IN ({ids})
RETURNING id
"""


def record(drafts: list[Outgoing], now) -> list[Outgoing]:
    """Move the drafts' invitations to ``sending`` and write their messages, the first attempt
    counted: both commit before any provider is called. A draft whose invitation someone else
    moved meanwhile is dropped."""
    if not drafts:
        return []
    with connection.cursor() as cursor:
        ids = [draft.invitation.pk for draft in drafts]
        moment = connection.ops.adapt_datetimefield_value(now)
        cursor.execute(CLAIM_SQL.format(ids=", ".join(["%s"] * len(ids))), [moment, *ids])
        claimed = {row[0] for row in cursor.fetchall()}
    recorded = [draft for draft in drafts if draft.invitation.pk in claimed]
    for draft in recorded:
        draft.message = Message(
            organization=draft.invitation.organization,
            invitation=draft.invitation,
            channel=draft.channel,
            to=draft.to,
            sender=draft.sender,
            subject=draft.subject,
            body=draft.body,
            attempts=1,
        )
    Message.objects.unscoped().bulk_create([draft.message for draft in recorded])
    return recorded


def month_start(organization, now):
    """The first instant of the current calendar month in the organization's time zone."""
    local = now.astimezone(organization.zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def segments_this_month(organization, now) -> int:
    used = (
        Message.objects.filter(channel="sms", created_at__gte=month_start(organization, now))
        .exclude(status="sending")
        .aggregate(total=Sum("segments"))["total"]
    )
    # A message still sending has no count from the provider yet: one segment each.
    pending = Message.objects.filter(
        channel="sms", created_at__gte=month_start(organization, now), status="sending"
    ).count()
    return (used or 0) + pending


def announce_cap(organization, stored_policy, used: int, now) -> None:
    """One notice to the admins per month, however many invitations the cap stops."""
    month = month_start(organization, now).strftime("%Y-%m")
    if stored_policy.pk is None or stored_policy.sms_cap_notified_month == month:
        return
    claimed = (
        type(stored_policy)
        .objects.filter(pk=stored_policy.pk)
        .exclude(sms_cap_notified_month=month)
        .update(sms_cap_notified_month=month)
    )
    stored_policy.sms_cap_notified_month = month
    if claimed:
        link = composing.absolute(reverse("surveys:channels", args=[organization.slug]))
        transaction.on_commit(
            lambda: notify_admins(
                organization,
                "sms-cap-reached",
                {"used": used, "cap": stored_policy.sms_monthly_cap, "settings_link": link},
            )
        )


def expire_unanswered(now) -> int:
    """Invitations sent but not answered by their expiry are expired (the response rate's base)."""
    return (
        Invitation.objects.unscoped()
        .filter(state__in=["sent", "delivered"], expires_at__lte=now)
        .update(state="expired", state_changed_at=now)
    )
