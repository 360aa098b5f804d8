"""Interactions in: validate, de-duplicate on ``external_id``, upsert contacts, plan invitations.

One code path for ``POST /api/v1/interactions/``, its ``bulk/`` form and the CSV importer. A
batch costs a bounded number of queries whatever its size. Replaying an ``external_id`` returns
what the first delivery decided and schedules nothing; the same ``external_id`` with another
payload is a conflict naming the field that differs. Every decision, sent or not, is stored as an
invitation (a suppressed one keeps its reason).
"""

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from journeys.models import Touchpoint
from vocapp.bulk import build, insert_objects
from vocapp.contacts.upsert import upsert_contacts
from vocapp.tenancy.scope import require_organization

from . import signals
from .models import Interaction, Invitation, ListeningRule, SurveyVersion, invitation_priority
from .planning import ReplacedMeanwhile, Request, decide_batch
from .scheduling import Plan

FIELDS = ("touchpoint", "contact", "occurred_at", "external_id", "attributes")
FUTURE_TOLERANCE = timedelta(minutes=5)
# A warm survey may still go this long after its intended day (a night, a weekend, a holiday).
WARM_GRACE = timedelta(days=3)
MAX_ATTRIBUTES = 30
MAX_ATTRIBUTE_TEXT = 200
ATTEMPTS = 3


@dataclass
class EventResult:
    index: int
    external_id: str | None
    status: str = "rejected"  # created, replayed, conflict or rejected
    errors: dict = field(default_factory=dict)
    interaction: Interaction | None = None
    invitations: list = field(default_factory=list)

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "external_id": self.external_id,
            "status": self.status,
            "errors": self.errors,
            "interaction": self.interaction.pk if self.interaction else None,
            "invitations": [describe(invitation) for invitation in self.invitations],
        }


def describe(invitation: Invitation) -> dict:
    return {
        "id": invitation.pk,
        "rule": invitation.rule_id,
        "campaign": invitation.campaign_id,
        "kind": invitation.kind,
        "channel": invitation.channel or None,
        "state": invitation.state,
        "reason": invitation.reason or None,
        "send_at": invitation.send_at.isoformat() if invitation.send_at else None,
        "expires_at": invitation.expires_at.isoformat() if invitation.expires_at else None,
    }


@dataclass
class CleanEvent:
    result: EventResult
    touchpoint: object  # id (int) or key (str) until resolved, then a Touchpoint
    contact: dict
    occurred_at: datetime
    attributes: dict
    fingerprint: dict = field(default_factory=dict)
    contact_created: bool = False


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def ingest(events: list) -> list[EventResult]:
    """Store ``events`` for the organization in scope; one result per event, in order."""
    organization = require_organization()
    now = timezone.now()
    results, clean = [], []
    for index, raw in enumerate(events):
        event = clean_event(index, raw, now, organization)
        results.append(event.result)
        if not event.result.errors:
            clean.append(event)
    resolve_touchpoints(clean)
    reject_repeats_within_request(clean)
    clean = [event for event in clean if not event.result.errors]
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                store_events(organization, clean, now)
            break
        except (IntegrityError, OperationalError, ReplacedMeanwhile):
            # A concurrent request took an external_id, a contact lock or a pending invitation:
            # the batch is planned again from what is now stored.
            if attempt == ATTEMPTS - 1:
                raise
            for event in clean:  # they had no error before this attempt
                event.result.status, event.result.errors = "rejected", {}
                event.result.interaction, event.result.invitations = None, []
    nudge_if_due(organization, results, now)
    return results


def nudge_if_due(organization, results, now) -> None:
    """One nudge per request, after commit, when something is due now (a hot survey)."""
    due = any(
        invitation.state == "scheduled" and invitation.send_at <= now + FUTURE_TOLERANCE
        for result in results
        if result.status == "created"
        for invitation in result.invitations
    )
    if due:
        organization_id = organization.pk
        transaction.on_commit(
            lambda: signals.invitations_due.send(sender=Invitation, organization_id=organization_id)
        )


# --------------------------------------------------------------------------------------------
# Validation (no query)
# --------------------------------------------------------------------------------------------


def clean_event(index: int, raw, now, organization) -> CleanEvent:
    result = EventResult(index, None)
    event = CleanEvent(result, None, {}, now, {})
    if not isinstance(raw, dict):
        result.add_error("non_field_errors", _("Each interaction must be a JSON object."))
        return event
    for name in raw:
        if name not in FIELDS:
            result.add_error(name, _("'%(name)s' is not an interaction field.") % {"name": name})
    external_id = raw.get("external_id", "")
    if external_id is None:
        external_id = ""
    if not isinstance(external_id, str) or len(external_id) > 100:
        result.add_error("external_id", _("must be text of 100 characters at most."))
    elif not storable(external_id):
        result.add_error("external_id", unstorable())
    else:
        result.external_id = external_id.strip() or None
    event.touchpoint = clean_touchpoint(result, raw.get("touchpoint"))
    event.contact = clean_contact(result, raw.get("contact"))
    event.occurred_at = clean_occurred_at(result, raw.get("occurred_at"), now, organization)
    event.attributes = clean_attributes(result, raw.get("attributes", {}))
    if not result.errors:
        event.fingerprint = fingerprint(event)
    return event


def clean_touchpoint(result: EventResult, value):
    if isinstance(value, bool) or value is None or value == "":
        result.add_error("touchpoint", _("This field is required: a touchpoint id or key."))
        return None
    # ASCII digits only: "³5" passes str.isdigit() but is no id (nor a key to look up).
    if isinstance(value, int) or (isinstance(value, str) and value.isascii() and value.isdigit()):
        return int(value)
    if isinstance(value, str) and len(value) <= 50 and storable(value):
        return value.strip()
    result.add_error("touchpoint", _("must be a touchpoint id or key."))
    return None


def clean_contact(result: EventResult, value) -> dict:
    if not isinstance(value, dict):
        result.add_error("contact", _('This field is required: {"external_id": ..., ...}.'))
        return {}
    if value.get("external_id") in (None, ""):
        result.add_error("contact.external_id", _("This field is required."))
    return value


def clean_occurred_at(result: EventResult, value, now, organization):
    if not isinstance(value, str) or not value:
        result.add_error("occurred_at", _("This field is required: an ISO 8601 date and time."))
        return now
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        result.add_error(
            "occurred_at",
            _("'%(value)s' is not an ISO 8601 date and time.") % {"value": value[:40]},
        )
        return now
    if timezone.is_naive(moment):
        # Without an offset, the time is read in the organization's time zone.
        moment = timezone.make_aware(moment, organization.zone)
    if moment > now + FUTURE_TOLERANCE:
        result.add_error("occurred_at", _("is more than 5 minutes in the future."))
    return moment


def clean_attributes(result: EventResult, value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        result.add_error("attributes", _('must be an object, e.g. {"store": "Lyon"}.'))
        return {}
    if len(value) > MAX_ATTRIBUTES:
        result.add_error(
            "attributes", _("%(count)s attributes at most.") % {"count": MAX_ATTRIBUTES}
        )
        return {}
    for name, item in value.items():
        problem = attribute_problem(name, item)
        if problem:
            result.add_error(f"attributes.{name}", problem)
    return value


def unstorable() -> str:
    return _("contains a NUL or an unpaired surrogate character, which cannot be stored.")


def storable(text: str) -> bool:
    """Whether text can go to the database (PostgreSQL refuses NUL; UTF-8 refuses lone halves)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def attribute_problem(name: str, value) -> str | None:
    if not (1 <= len(name) <= 40):
        return _("Attribute names have 1 to 40 characters.")
    if not storable(name) or (isinstance(value, str) and not storable(value)):
        return unstorable()
    if isinstance(value, str) and len(value) > MAX_ATTRIBUTE_TEXT:
        return _("is too long (%(count)s characters at most).") % {"count": MAX_ATTRIBUTE_TEXT}
    if isinstance(value, str):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return _("must be a finite number.")
    if value is None or isinstance(value, (bool, int, float)):
        return None
    return _("must be text, a number, true/false or null.")


def fingerprint(event: CleanEvent) -> dict:
    """One digest per field: enough to name what differs, without a copy of the payload."""
    # The touchpoint's digest is added once resolved (by id, however the event named it).
    values = {
        "contact": event.contact,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "attributes": event.attributes,
    }
    return {name: fingerprint_value(value) for name, value in values.items()}


# --------------------------------------------------------------------------------------------
# Resolution and storage
# --------------------------------------------------------------------------------------------


def resolve_touchpoints(events: list[CleanEvent]) -> None:
    ids = {e.touchpoint for e in events if isinstance(e.touchpoint, int)}
    keys = {e.touchpoint for e in events if isinstance(e.touchpoint, str)}
    found = Touchpoint.objects.filter(pk__in=ids) | Touchpoint.objects.filter(key__in=keys)
    by_id, by_key, digests = {}, {}, {}
    for touchpoint in found:
        by_id[touchpoint.pk] = by_key[touchpoint.key] = touchpoint
        digests[touchpoint.pk] = fingerprint_value(touchpoint.pk)
    for event in events:
        lookup = by_id if isinstance(event.touchpoint, int) else by_key
        touchpoint = lookup.get(event.touchpoint)
        if touchpoint is None:
            event.result.add_error(
                "touchpoint",
                _("No touchpoint '%(touchpoint)s'.") % {"touchpoint": event.touchpoint},
            )
        elif touchpoint.archived_at is not None:
            event.result.add_error(
                "touchpoint", _("Touchpoint '%(key)s' is archived.") % {"key": touchpoint.key}
            )
        else:
            # The digest names the touchpoint by id whichever way the event referred to it.
            event.fingerprint["touchpoint"] = digests[touchpoint.pk]
            event.touchpoint = touchpoint


# json.dumps(value, sort_keys=True, default=str) without building an encoder per call.
FINGERPRINT_JSON = json.JSONEncoder(sort_keys=True, default=str)


def fingerprint_value(value) -> str:
    return hashlib.sha256(FINGERPRINT_JSON.encode(value).encode()).hexdigest()[:32]


def reject_repeats_within_request(events: list[CleanEvent]) -> None:
    seen = {}
    for event in events:
        key = event.result.external_id
        if key is None or event.result.errors:
            continue
        if key in seen:
            event.result.add_error(
                "external_id",
                _("appears twice in this request (index %(index)s).") % {"index": seen[key]},
            )
        else:
            seen[key] = event.result.index


def store_events(organization, events: list[CleanEvent], now) -> None:
    fresh = settle_replays(events)
    contacts = upsert_event_contacts(fresh)
    fresh = [event for event in fresh if not event.result.errors]
    interactions = [
        new_interaction(organization, event, contacts[event.contact["external_id"]])
        for event in fresh
    ]
    insert_objects(interactions)
    for event, interaction in zip(fresh, interactions, strict=True):
        event.result.status, event.result.interaction = "created", interaction
    plan_invitations(organization, fresh, now)


def new_interaction(organization, event: CleanEvent, contact) -> Interaction:
    """The event's Interaction (related objects in place), built without keyword processing."""
    interaction = build(
        Interaction,
        {
            "organization_id": organization.pk,
            "touchpoint_id": event.touchpoint.pk,
            "contact_id": contact.pk,
            "external_id": event.result.external_id or "",
            "occurred_at": event.occurred_at,
            "attributes": event.attributes,
            "fingerprint": event.fingerprint,
        },
    )
    for name, related in (
        ("organization", organization),
        ("touchpoint", event.touchpoint),
        ("contact", contact),
    ):
        Interaction._meta.get_field(name).set_cached_value(interaction, related)
    return interaction


def settle_replays(events: list[CleanEvent]) -> list[CleanEvent]:
    """Answer the replays and conflicts; return the events seen for the first time."""
    keys = [e.result.external_id for e in events if e.result.external_id]
    stored = {i.external_id: i for i in Interaction.objects.filter(external_id__in=keys)}
    invitations = invitations_of([i.pk for i in stored.values()])
    fresh = []
    for event in events:
        first = stored.get(event.result.external_id)
        if first is None:
            fresh.append(event)
            continue
        # An erased contact's interactions keep no fingerprint: a replay is only a replay.
        differing = [
            name
            for name, digest in event.fingerprint.items()
            if first.fingerprint and first.fingerprint.get(name) != digest
        ]
        result = event.result
        result.interaction = first
        if differing:
            result.status = "conflict"
            for name in differing:
                result.add_error(
                    name, _("differs from the interaction first received with this external_id.")
                )
        else:
            result.status = "replayed"
            result.invitations = invitations.get(first.pk, [])
    return fresh


def invitations_of(interaction_ids) -> dict:
    found = {}
    for invitation in Invitation.objects.filter(interaction_id__in=interaction_ids).order_by("pk"):
        found.setdefault(invitation.interaction_id, []).append(invitation)
    return found


def upsert_event_contacts(events: list[CleanEvent]) -> dict:
    """Upsert each contact once (the last event's details win); errors go to its events."""
    merged = {}
    for event in events:
        external_id = str(event.contact["external_id"]).strip()
        event.contact = {**event.contact, "external_id": external_id}
        merged[external_id] = {**merged.get(external_id, {}), **event.contact}
    rows = list(merged.values())
    outcomes = {
        row["external_id"]: result for row, result in zip(rows, upsert_contacts(rows), strict=True)
    }
    contacts = {}
    for event in events:
        outcome = outcomes[event.contact["external_id"]]
        event.contact_created = outcome.status == "created"
        if outcome.status == "rejected":
            for name, messages in outcome.errors.items():
                for message in messages:
                    event.result.add_error(f"contact.{name}", message)
        else:
            contacts[event.contact["external_id"]] = outcome.contact
    return contacts


def plan_invitations(organization, events: list[CleanEvent], now) -> None:
    rules = rules_by_touchpoint({event.touchpoint.pk for event in events})
    versions = current_versions({rule.survey_id for rules in rules.values() for rule in rules})
    requests, owners = [], []
    for event in events:
        for rule in rules.get(event.touchpoint.pk, []):
            if rule.survey_id not in versions:
                continue
            requests.append(request_for(organization, event, rule, versions[rule.survey_id]))
            owners.append(event.result)
    if not requests:
        return
    created = {e.result.interaction.contact_id for e in events if e.contact_created}
    decide_batch(organization, requests, now, new_contact_ids=created, upserted=True)
    for owner, request in zip(owners, requests, strict=True):
        owner.invitations.append(request.invitation)


def rules_by_touchpoint(touchpoint_ids) -> dict:
    rules = {}
    active = ListeningRule.objects.filter(
        touchpoint_id__in=touchpoint_ids, active=True, archived_at__isnull=True
    )
    for rule in sorted(active, key=lambda r: -invitation_priority(r.timing, r.priority)):
        rules.setdefault(rule.touchpoint_id, []).append(rule)
    return rules


def current_versions(survey_ids) -> dict:
    latest = (
        SurveyVersion.objects.filter(survey_id__in=survey_ids)
        .values("survey_id")
        .annotate(number=Max("number"))
    )
    wanted = {(row["survey_id"], row["number"]) for row in latest}
    return {
        version.survey_id: version.pk
        for version in SurveyVersion.objects.filter(survey_id__in=survey_ids)
        if (version.survey_id, version.number) in wanted
    }


def request_for(organization, event: CleanEvent, rule: ListeningRule, version_id: int):
    intended = event.occurred_at + timedelta(minutes=rule.delay_minutes)
    if rule.timing == "hot":
        deadline = event.occurred_at + timedelta(minutes=rule.max_delay_minutes)
    else:
        deadline = intended + max(WARM_GRACE, timedelta(minutes=rule.max_delay_minutes))
    plan = Plan(
        kind=rule.timing,
        channels=tuple(rule.channels),
        priority=invitation_priority(rule.timing, rule.priority),
        intended_at=intended,
        deadline=deadline,
        rule_id=rule.pk,
        segment_id=rule.segment_id,
        sampling_percent=rule.sampling_percent,
        sampling_salt=organization.privacy_salt,
    )
    return Request(
        contact=event.result.interaction.contact,
        plan=plan,
        survey_version_id=version_id,
        expiry=timedelta(days=rule.expiry_days),
        rule=rule,
        touchpoint_id=event.touchpoint.pk,
        interaction=event.result.interaction,
    )
