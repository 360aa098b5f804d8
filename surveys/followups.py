"""Invitations that follow another: the rule's next channel after a permanent failure, and the
single reminder to those who have not answered."""

from datetime import timedelta

from django.db import transaction

from vocapp.contacts.upsert import opted_out_addresses
from vocapp.tenancy.scope import organization_scope

from .models import Invitation, invitation_priority
from .planning import address_opt_outs, person_of
from .scheduling import Plan, Policy, place_in_window, usable_channels
from .selectors import delivery_policy

REMINDED_KINDS = ("hot", "warm", "cold")


def try_next_channel(failed: Invitation, now) -> Invitation | None:
    """Once, within the first invitation's expiry and the window: the rule's next channel."""
    if failed.follows_id is not None or failed.rule is None or not failed.expires_at:
        return None
    channels = list(failed.rule.channels)
    later = channels[channels.index(failed.channel) + 1 :] if failed.channel in channels else []
    return follow(failed, later, failed.kind, failed.priority, now)


def follow(first: Invitation, channels: list, kind: str, priority: int, now):
    """A new invitation after ``first`` on the first usable of ``channels`` that fits in time."""
    organization = first.organization
    stored = delivery_policy(organization)
    policy = Policy.of(organization, stored)
    contact = first.contact
    person = person_of(
        contact, frozenset(), address_opt_outs(contact, opted_out_addresses([contact]))
    )
    usable, _reason = usable_channels(person, channels, policy)
    plan = Plan(
        kind=kind,
        channels=tuple(usable),
        priority=priority,
        intended_at=now,
        deadline=first.expires_at - timedelta(hours=1),
        rule_id=first.rule_id,
    )
    placed = place_in_window(person, plan, usable, policy, now)
    if placed is None:
        return None
    channel, send_at = placed
    return Invitation.objects.create(
        contact=contact,
        interaction_id=first.interaction_id,
        rule_id=first.rule_id,
        campaign_id=first.campaign_id,
        touchpoint_id=first.touchpoint_id,
        survey_version_id=first.survey_version_id,
        kind=kind,
        channel=channel,
        priority=priority,
        send_at=send_at,
        expires_at=first.expires_at,
        follows=first,
    )


def schedule_reminders(now, limit: int = 1000) -> int:
    """One reminder, on the rule's next channel, to each invitation left unanswered long enough."""
    due = (
        Invitation.objects.unscoped()
        .filter(
            state__in=["sent", "delivered"],
            kind__in=REMINDED_KINDS,
            follows__isnull=True,
            rule__reminder_after_days__isnull=False,
            expires_at__gt=now,
            sent_at__isnull=False,
        )
        .exclude(followers__kind="reminder")
        .select_related("organization", "contact", "rule")
        .order_by("sent_at")[:limit]
    )
    made = 0
    for invitation in due:
        if invitation.sent_at + timedelta(days=invitation.rule.reminder_after_days) > now:
            continue
        with organization_scope(invitation.organization), transaction.atomic():
            made += remind(invitation, now) is not None
    return made


def remind(invitation: Invitation, now):
    # Locked, so that two passes never remind twice.
    first = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if first.followers.filter(kind="reminder").exists():
        return None
    channels = list(first.rule.channels)
    start = (channels.index(first.channel) + 1) if first.channel in channels else 0
    ordered = channels[start:] + channels[:start]  # the next channel first, then the others
    priority = invitation_priority("reminder", first.rule.priority)
    return follow(first, ordered, "reminder", priority, now)
