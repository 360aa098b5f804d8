"""A contact's data on request: export everything, or erase it for good.

Each app registers an exporter and an eraser (vocapp.registry); these functions only run them.
An erase keeps anonymous aggregates (rows stay, personal fields go) and salted hashes of the
contact's identities, so that a later import of the same person is never contacted again.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vocapp import registry
from vocapp.tenancy.audit import record_audit
from vocapp.tenancy.models import AuditEvent

from .models import (
    AddressOptOut,
    Channel,
    Contact,
    ImportRejection,
    SuppressedIdentity,
    address_digest,
)


def export_contact(contact: Contact) -> dict:
    """Everything stored about ``contact``, one key per registered exporter."""
    return {exporter.key: exporter.export(contact) for exporter in registry.gdpr_exporters}


@transaction.atomic
def erase_contact(actor, contact: Contact) -> dict:
    """Run every eraser; idempotent (erasing twice changes nothing more). Audit-logged."""
    suppress_identities(contact)
    touched = {eraser.key: eraser.erase(contact) for eraser in registry.gdpr_erasers}
    forget_in_audit_log(contact)
    record_audit(actor, "contact.erased", contact, {"rows": touched})
    return touched


def forget_in_audit_log(contact: Contact) -> None:
    """Earlier audit events (exported, opted out) named the contact: keep them, not the name."""
    AuditEvent.objects.filter(
        object_type=Contact._meta.label_lower, object_id=str(contact.pk)
    ).update(object_repr=str(_("[erased contact]")))


def suppress_identities(contact: Contact) -> None:
    organization = contact.organization
    rows = [
        SuppressedIdentity(
            organization=organization, kind=kind, digest=address_digest(organization, value)
        )
        for kind, value in (
            ("email", contact.email),
            ("phone", contact.phone),
            ("external_id", contact.external_id),
        )
        if value and not contact.erased_at
    ]
    SuppressedIdentity.objects.bulk_create(rows, ignore_conflicts=True)


def export_contact_fields(contact: Contact) -> dict:
    opt_outs = AddressOptOut.objects.filter(
        address__in=[a for a in (contact.email, contact.phone) if a]
    )
    return {
        "external_id": contact.external_id,
        "email": contact.email,
        "phone": contact.phone,
        "first_name": contact.first_name,
        "locale": contact.locale,
        "time_zone": contact.time_zone,
        "attributes": contact.attributes,
        "consent": {
            channel: _iso(getattr(contact, f"{channel}_consent_at")) for channel in Channel.values
        },
        "opted_out": {
            channel: _iso(getattr(contact, f"{channel}_opted_out_at")) for channel in Channel.values
        },
        "address_opt_outs": [
            {
                "channel": o.channel,
                "address": o.address,
                "source": o.source,
                "since": _iso(o.created_at),
            }
            for o in opt_outs
        ],
        "created_at": _iso(contact.created_at),
        "last_seen_at": _iso(contact.last_seen_at),
        "erased_at": _iso(contact.erased_at),
    }


def erase_import_rejections(contact: Contact) -> int:
    """Rejected import rows kept for their CSV download may name the contact: drop them."""
    identities = Q(values__external_id=contact.external_id)
    for field in ("email", "phone"):
        if getattr(contact, field):
            identities |= Q(**{f"values__{field}": getattr(contact, field)})
    deleted, _by_model = ImportRejection.objects.filter(identities).delete()
    return deleted


def erase_contact_fields(contact: Contact) -> int:
    if contact.erased_at:
        return 0
    now = timezone.now()
    # The salted hashes of suppress_identities replace the plain addresses of its opt-outs.
    AddressOptOut.objects.filter(
        address__in=[a for a in (contact.email, contact.phone) if a]
    ).delete()
    # The contact is kept (answers and cases still count in aggregates) but says nothing of who.
    contact.external_id = f"erased-{contact.pk}"
    contact.email = contact.phone = contact.first_name = contact.time_zone = ""
    contact.attributes = {}
    contact.sms_consent_at = contact.email_consent_at = None
    contact.sms_opted_out_at = contact.email_opted_out_at = now
    contact.erased_at = now
    contact.save()
    return 1


def _iso(value):
    return value.isoformat() if value else None
