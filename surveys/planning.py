"""Apply the scheduling rules to a batch: load what they need in a few queries, store decisions.

Shared by interactions (``surveys.ingestion``) and cold campaigns (``surveys.campaigns``). A batch
of any size costs a bounded number of queries: the policy, the people's recent invitations, their
accounts' when there is an account cap, segment membership once per segment, one INSERT of the
invitations and one conditional UPDATE for those replaced. Decisions made earlier in the batch
count for the later ones (two interactions of one person in one request: one survey).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F, Q

from vocapp.bulk import build, insert_objects
from vocapp.contacts.models import Contact, Segment
from vocapp.contacts.segments import compile_conditions
from vocapp.contacts.upsert import opted_out_addresses

from . import scheduling
from .models import Invitation, SuppressionReason
from .scheduling import Decision, Past, Person, Plan, Policy
from .selectors import delivery_policy


class ReplacedMeanwhile(Exception):
    """A pending invitation to replace was claimed by the dispatcher: plan the batch again."""


@dataclass
class Request:
    """One (person, plan) pair to decide, with what the stored invitation will point at."""

    contact: Contact
    plan: Plan
    survey_version_id: int
    expiry: timedelta
    rule: object = None
    campaign: object = None
    touchpoint_id: int | None = None
    interaction: object = None
    invitation: Invitation | None = None  # set once decided


def address_opt_outs(contact: Contact, blocked: set) -> frozenset:
    """The channels whose address of this contact is opted out (held per address)."""
    pairs = (("sms", contact.phone), ("email", contact.email))
    return frozenset(channel for channel, address in pairs if (channel, address) in blocked)


def person_of(
    contact: Contact, in_segments: frozenset = frozenset(), address_opted_out=frozenset()
) -> Person:
    return Person(
        id=contact.pk,
        key=contact.external_id,
        email=contact.email,
        phone=contact.phone,
        time_zone=contact.time_zone,
        # Fatigue rules may also name the contact's language or time zone.
        attributes={
            "locale": contact.locale,
            "time_zone": contact.time_zone,
            **(contact.attributes or {}),
        },
        consented=frozenset(
            channel for channel in ("sms", "email") if getattr(contact, f"{channel}_consent_at")
        ),
        opted_out=address_opted_out
        | frozenset(
            channel for channel in ("sms", "email") if getattr(contact, f"{channel}_opted_out_at")
        ),
        erased=contact.erased_at is not None,
        in_segments=in_segments,
    )


def past_of(row: dict) -> Past:
    return Past(
        id=row["id"],
        kind=row["kind"],
        state=row["state"],
        priority=row["priority"],
        send_at=row["send_at"],
        created_at=row["created_at"],
        rule_id=row["rule_id"],
        contact_id=row["contact_id"],
    )


PAST_FIELDS = ("id", "kind", "state", "priority", "send_at", "created_at", "rule_id", "contact_id")


def horizon(policy: Policy, now):
    """How far back an invitation can still matter (the cold cap looks back a year)."""
    longest = max(
        [365, policy.fatigue_days, policy.account_cap_days or 0]
        + [int(rule.get("days", 0)) for rule in policy.fatigue_rules]
    )
    return now - timedelta(days=longest)


def recent_invitations(contact_ids, since) -> dict:
    """Each contact's invitations that can still weigh on a decision, as Past values."""
    rows = (
        Invitation.objects.filter(contact_id__in=contact_ids)
        .filter(Q(created_at__gt=since) | Q(send_at__gt=since) | Q(state="scheduled"))
        .exclude(state="suppressed")
        .values(*PAST_FIELDS)
    )
    by_contact = defaultdict(list)
    for row in rows:
        by_contact[row["contact_id"]].append(past_of(row))
    return by_contact


def account_invitations(contacts, policy: Policy, now) -> dict:
    """Invitations of every contact sharing an account with these, by account."""
    if not policy.account_cap_days or not policy.account_attribute:
        return {}
    accounts = {
        str(value)
        for contact in contacts
        if (value := (contact.attributes or {}).get(policy.account_attribute)) not in (None, "")
    }
    if not accounts:
        return {}
    lookup = f"contact__attributes__{policy.account_attribute}"
    since = now - timedelta(days=policy.account_cap_days)
    rows = (
        Invitation.objects.filter(**{f"{lookup}__in": sorted(accounts)})
        .filter(Q(send_at__gt=since) | Q(state="scheduled"))
        .exclude(state="suppressed")
        .values(*PAST_FIELDS, account=F(lookup))
    )
    by_account = defaultdict(list)
    for row in rows:
        by_account[str(row["account"])].append(past_of(row))
    return by_account


def segment_members(contact_ids, segment_ids) -> dict:
    """segment id → ids of these contacts it matches (one query per segment)."""
    members = {}
    for segment in Segment.objects.filter(pk__in=segment_ids):
        members[segment.pk] = set(
            Contact.objects.filter(pk__in=contact_ids)
            .filter(compile_conditions(segment.conditions))
            .values_list("pk", flat=True)
        )
    return members


def decide_batch(
    organization, requests: list, now, *, new_contact_ids=frozenset(), upserted=False
) -> list[tuple[Request, Decision]]:
    """Decide every request in order and store the invitations; returns (request, decision).

    ``new_contact_ids``: contacts created by this request, which have no invitation yet.
    ``upserted``: the contacts were just upserted, which carried address opt-outs onto them.
    """
    policy = Policy.of(organization, delivery_policy(organization))
    contacts = {request.contact.pk: request.contact for request in requests}
    known = [pk for pk in contacts if pk not in new_contact_ids]
    past = recent_invitations(known, horizon(policy, now)) if known else defaultdict(list)
    accounts = account_invitations(contacts.values(), policy, now)
    segment_ids = {r.plan.segment_id for r in requests if r.plan.segment_id is not None}
    members = segment_members(list(contacts), segment_ids) if segment_ids else {}
    blocked = set() if upserted else opted_out_addresses(contacts.values())
    people = {
        pk: person_of(
            contact,
            frozenset(s for s, ids in members.items() if pk in ids),
            address_opt_outs(contact, blocked),
        )
        for pk, contact in contacts.items()
    }
    batch = Batch(now)
    for request in requests:
        person = people[request.contact.pk]
        account = scheduling.account_key(person, policy)
        mine = past[person.id]
        shared = accounts.setdefault(account, []) if account else []
        decision = scheduling.decide(person, request.plan, mine, shared, policy, now)
        invitation = invitation_for(organization, request, decision, now)
        batch.add(request, decision, invitation)
        if decision.scheduled:
            for entry in decision.replaces:
                batch.replace(entry)
                for entries in (mine, shared):
                    if entry in entries:
                        entries.remove(entry)
            entry = batch.pending_entry(invitation, person.id)
            mine.append(entry)
            if account:
                shared.append(entry)
    batch.store()
    return batch.decisions


class Batch:
    """The invitations decided in one batch, and the pending ones they replace."""

    def __init__(self, now):
        self.now = now
        self.decisions = []
        self.invitations = []
        self.stored_to_replace = set()
        self.made_here = {}  # id(Past entry) -> Invitation, for entries made in this batch

    def add(self, request, decision, invitation):
        request.invitation = invitation
        self.decisions.append((request, decision))
        self.invitations.append(invitation)

    def pending_entry(self, invitation: Invitation, contact_id: int) -> Past:
        entry = Past(
            id=None,
            kind=invitation.kind,
            state="scheduled",
            priority=invitation.priority,
            send_at=invitation.send_at,
            created_at=self.now,
            rule_id=invitation.rule_id,
            contact_id=contact_id,
        )
        self.made_here[id(entry)] = invitation
        return entry

    def replace(self, entry: Past) -> None:
        if entry.id is not None:
            self.stored_to_replace.add(entry.id)
            return
        # Made earlier in this batch: it is stored as replaced straight away.
        invitation = self.made_here[id(entry)]
        invitation.state = "suppressed"
        invitation.reason = SuppressionReason.REPLACED

    def store(self) -> None:
        insert_objects(self.invitations)
        if not self.stored_to_replace:
            return
        # Conditional: an invitation the dispatcher claimed meanwhile is no longer replaceable.
        updated = Invitation.objects.filter(
            pk__in=self.stored_to_replace, state="scheduled"
        ).update(state="suppressed", reason=SuppressionReason.REPLACED, state_changed_at=self.now)
        if updated != len(self.stored_to_replace):
            raise ReplacedMeanwhile()


def invitation_for(organization, request: Request, decision: Decision, now) -> Invitation:
    # Ids, not instances: assigning related objects costs more than the decision itself; and
    # built without Model.__init__'s keyword processing (vocapp.bulk.build).
    return build(
        Invitation,
        {
            "organization_id": organization.pk,
            "contact_id": request.contact.pk,
            "interaction_id": request.interaction.pk if request.interaction else None,
            "rule_id": request.rule.pk if request.rule else None,
            "campaign_id": request.campaign.pk if request.campaign else None,
            "touchpoint_id": request.touchpoint_id,
            "survey_version_id": request.survey_version_id,
            "kind": request.plan.kind,
            "channel": decision.channel,
            "state": decision.state,
            "reason": decision.reason,
            "priority": request.plan.priority,
            "send_at": decision.send_at,
            "expires_at": decision.send_at + request.expiry if decision.send_at else None,
            "created_at": now,
        },
    )
