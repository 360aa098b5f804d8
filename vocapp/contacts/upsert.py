"""Upserting contacts by ``external_id``: one code path for the API, bulk requests and imports.

Semantics (ARCHITECTURE.md): an absent field is unchanged, an explicit null clears it, and an
opt-out is never cleared by an upsert. Attributes merge key by key (a null value removes that
key; ``"attributes": null`` clears them all). A batch costs a bounded number of queries whatever
its size: rows are validated in memory, then existing contacts, opted-out addresses and
suppressed identities are each fetched in one query, new contacts are written at once
(``vocapp.bulk.insert_objects``: COPY on PostgreSQL) and changed ones in one INSERT … ON CONFLICT
UPDATE (linear, unlike bulk_update's CASE per row).
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from vocapp.bulk import build, insert_objects
from vocapp.tenancy.scope import require_organization

from .models import (
    AddressOptOut,
    AttributeDefinition,
    Channel,
    Contact,
    OptOutSource,
    SuppressedIdentity,
    address_digest,
)
from .validation import clean_row

# The API takes up to 10,000 rows and an import 1,000 per chunk: one chunk per call either way.
CHUNK = 10_000
PLAIN_FIELDS = ("email", "phone", "first_name", "locale", "time_zone")
CHANNELS = tuple(Channel.values)  # Channel.values builds a new list at every use


@dataclass
class RowResult:
    index: int
    external_id: str | None
    status: str  # created, updated, unchanged or rejected
    errors: dict = field(default_factory=dict)
    contact: Contact | None = None

    def as_dict(self):
        return {
            "index": self.index,
            "external_id": self.external_id,
            "status": self.status,
            "errors": self.errors,
        }


def attribute_kinds() -> dict:
    return dict(AttributeDefinition.objects.values_list("name", "kind"))


def upsert_contacts(rows: list, *, source: str = OptOutSource.API) -> list[RowResult]:
    """Validate and store ``rows`` (dicts) for the organization in scope; one result per row."""
    organization = require_organization()
    kinds = attribute_kinds()
    region = organization.country.code or "FR"
    results, accepted, seen = [], [], {}
    for index, raw in enumerate(rows):
        clean = clean_row(raw, region=region, definitions=kinds)
        external_id = clean.values.get("external_id")
        if external_id in seen and not clean.errors:
            clean.add_error(
                "external_id", f"appears twice in this request (row {seen[external_id]})."
            )
        result = RowResult(
            index, external_id if isinstance(external_id, str) else None, "rejected", clean.errors
        )
        results.append(result)
        if not clean.errors:
            seen[external_id] = index
            accepted.append((result, clean.values))
    for start in range(0, len(accepted), CHUNK):
        store_chunk(organization, accepted[start : start + CHUNK], source)
    return results


@transaction.atomic
def store_chunk(organization, chunk, source) -> None:
    now = timezone.now()
    existing = {
        contact.external_id: contact
        for contact in Contact.objects.filter(external_id__in=[v["external_id"] for _, v in chunk])
    }
    staged = []  # (result, values, contact, created, changed fields)
    for result, values in chunk:
        contact = existing.get(values["external_id"])
        created = contact is None
        if created:
            contact = new_contact(organization, values["external_id"])
        staged.append((result, values, contact, created, apply_values(contact, values, now)))
    # Standing opt-outs and suppressions apply to each contact's identity after the update.
    contacts = [contact for _, _, contact, _, _ in staged]
    new_opt_outs = [
        opt_out
        for _, values, contact, _, _ in staged
        for opt_out in requested_opt_outs(organization, contact, values, source)
    ]
    # An address opted out by an earlier row of this batch holds for the later rows too.
    opted_out = opted_out_addresses(contacts) | {(o.channel, o.address) for o in new_opt_outs}
    erased = erased_identities(organization, contacts)
    to_create, to_update, seen_ids, update_fields = [], [], [], set()
    for result, _values, contact, created, changed in staged:
        erased_before = id(contact) in erased
        changed |= apply_standing_opt_outs(contact, opted_out, erased_before, now)
        contact.last_seen_at = now
        result.contact = contact
        if created:
            result.status = "created"
            to_create.append(contact)
            continue
        seen_ids.append(contact.pk)
        result.status = "updated" if changed else "unchanged"
        if changed:
            update_fields |= changed
            to_update.append(contact)
    insert_objects(to_create)
    if to_update:
        write_changes(to_update, update_fields)
    if seen_ids:
        # One UPDATE for every row mentioned, changed or not (retention counts from here).
        Contact.objects.filter(pk__in=seen_ids).update(last_seen_at=now)
    if new_opt_outs:
        AddressOptOut.objects.bulk_create(new_opt_outs, ignore_conflicts=True)


def new_contact(organization, external_id: str) -> Contact:
    """``Contact(organization=organization, external_id=external_id)``, built cheaply."""
    contact = build(Contact, {"organization_id": organization.pk, "external_id": external_id})
    Contact.organization.field.set_cached_value(contact, organization)
    return contact


def write_changes(contacts: list[Contact], fields: set) -> None:
    """Store ``fields`` of these existing contacts in one statement (an upsert on their key)."""
    # bulk_create fills auto_now_add fields as for a new row: keep the real creation dates.
    created_at = [contact.created_at for contact in contacts]
    Contact.objects.bulk_create(
        contacts,
        update_conflicts=True,
        unique_fields=["organization", "external_id"],
        update_fields=sorted(fields | {"updated_at"}),
    )
    for contact, value in zip(contacts, created_at, strict=True):
        contact.created_at = value


def apply_values(contact: Contact, values: dict, now) -> set:
    """Set the provided fields on ``contact``; return the names of the fields that changed."""
    changed = set()
    for name in PLAIN_FIELDS:
        if name in values and getattr(contact, name) != values[name]:
            setattr(contact, name, values[name])
            changed.add(name)
    if "attributes" in values:
        merged = merge_attributes(contact.attributes, values["attributes"])
        if merged != contact.attributes:
            contact.attributes = merged
            changed.add("attributes")
    for channel in CHANNELS:
        consent = values.get(f"{channel}_consent", "absent")
        current = getattr(contact, f"{channel}_consent_at")
        if consent is True and current is None:
            setattr(contact, f"{channel}_consent_at", now)
            changed.add(f"{channel}_consent_at")
        elif consent in (False, None) and current is not None:
            setattr(contact, f"{channel}_consent_at", None)
            changed.add(f"{channel}_consent_at")
        if values.get(f"{channel}_opted_out") is True and not contact.is_opted_out(channel):
            setattr(contact, f"{channel}_opted_out_at", now)
            changed.add(f"{channel}_opted_out_at")
    if changed:
        contact.updated_at = now
    return changed


def merge_attributes(current: dict, update: dict | None) -> dict:
    if update is None:
        return {}
    merged = dict(current)
    for name, value in update.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def opted_out_addresses(contacts) -> set:
    """(channel, address) pairs among these contacts' addresses that are opted out."""
    addresses = {c.email for c in contacts if c.email} | {c.phone for c in contacts if c.phone}
    # Most organizations hold few opt-outs: asking whether there are any at all is far cheaper
    # than sending every address of a large batch to the database.
    if not addresses or not AddressOptOut.objects.exists():
        return set()
    return set(
        AddressOptOut.objects.filter(address__in=addresses).values_list("channel", "address")
    )


def identity_digests(organization, contact) -> set:
    return {
        address_digest(organization, value)
        for value in (contact.email, contact.phone, contact.external_id)
        if value
    }


def erased_identities(organization, contacts) -> set:
    """``id()`` of the contacts whose email, phone or external id was an erased contact's."""
    # A salted digest costs an HMAC per value: only worth it when someone was erased.
    if not contacts or not SuppressedIdentity.objects.exists():
        return set()
    digests = {id(contact): identity_digests(organization, contact) for contact in contacts}
    suppressed = set(
        SuppressedIdentity.objects.filter(digest__in=set().union(*digests.values())).values_list(
            "digest", flat=True
        )
    )
    return {key for key, mine in digests.items() if mine & suppressed}


def apply_standing_opt_outs(contact, opted_out, erased_before, now) -> set:
    """Carry address-level opt-outs and GDPR suppressions onto the contact."""
    changed = set()
    for channel, address in ((Channel.EMAIL, contact.email), (Channel.SMS, contact.phone)):
        blocked = erased_before or (address and (channel.value, address) in opted_out)
        if blocked and not contact.is_opted_out(channel):
            setattr(contact, f"{channel}_opted_out_at", now)
            changed.add(f"{channel}_opted_out_at")
    return changed


def requested_opt_outs(organization, contact, values, source) -> list:
    """Address-level opt-outs for the channels a row asked to opt out of."""
    rows = []
    for channel, address in ((Channel.EMAIL, contact.email), (Channel.SMS, contact.phone)):
        if values.get(f"{channel}_opted_out") is True and address:
            rows.append(
                AddressOptOut(
                    organization=organization, channel=channel, address=address, source=source
                )
            )
    return rows
