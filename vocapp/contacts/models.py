import hashlib
import hmac

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vocapp.tenancy.scope import TenantModel

attribute_name = RegexValidator(
    r"^[a-z][a-z0-9_]{0,39}$",
    _("Use lower-case letters, digits and _ (starting with a letter), 40 characters at most."),
)


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class AttributeKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    BOOLEAN = "boolean", _("Yes / no")
    DATE = "date", _("Date")


class AttributeDefinition(TenantModel):
    """A contact attribute the organization declared (name and type): the only ones accepted."""

    name = models.CharField(_("name"), max_length=40, validators=[attribute_name])
    label = models.CharField(_("label"), max_length=100, blank=True)
    kind = models.CharField(
        _("type"), max_length=10, choices=AttributeKind.choices, default=AttributeKind.TEXT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="attribute_unique_name"),
        ]

    def __str__(self):
        return self.label or self.name


class Contact(TenantModel):
    """A customer of the organization. Opt-outs here are per contact; see AddressOptOut."""

    external_id = models.CharField(_("external id"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +33612345678")
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    locale = models.CharField(_("language"), max_length=8, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    sms_consent_at = models.DateTimeField(null=True, blank=True)
    email_consent_at = models.DateTimeField(null=True, blank=True)
    sms_opted_out_at = models.DateTimeField(null=True, blank=True)
    email_opted_out_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Last time the organization told us about this contact (upsert, import, interaction):
    # retention purges contacts inactive for longer than the organization keeps them.
    last_seen_at = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="contact_unique_external_id"
            ),
        ]
        indexes = [
            # Opt-out and routing look-ups by address within an organization.
            models.Index(fields=["organization", "email"], name="contact_org_email"),
            models.Index(fields=["organization", "phone"], name="contact_org_phone"),
            # Retention sweep.
            models.Index(fields=["organization", "last_seen_at"], name="contact_org_last_seen"),
        ]

    def __str__(self):
        if self.erased_at:
            return str(_("[erased contact]"))
        return self.first_name or self.email or self.phone or self.external_id

    def is_opted_out(self, channel: str) -> bool:
        return getattr(self, f"{channel}_opted_out_at") is not None


class OptOutSource(models.TextChoices):
    SMS_STOP = "sms_stop", _("STOP by SMS")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
    BOUNCE = "bounce", _("Hard bounce")
    COMPLAINT = "complaint", _("Spam complaint")
    UNDELIVERABLE = "undeliverable", _("Undeliverable number")
    MANUAL = "manual", _("Set by a user")
    API = "api", _("API or import")
    ERASED = "erased", _("Erased (GDPR)")


class AddressOptOut(TenantModel):
    """An address (normalised phone or email) that must not be contacted on a channel.

    Held per address as well as per contact, so that a new contact with the same address stays
    opted out. Never cleared by an upsert; only a START by SMS or a user acting on purpose.
    """

    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=254)
    source = models.CharField(max_length=16, choices=OptOutSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "channel", "address"], name="optout_unique_address"
            ),
        ]


def address_digest(organization, value: str) -> str:
    """Salted hash of an address or external id kept after an erase (the value is gone)."""
    key = organization.privacy_salt.encode()
    return hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()


class SuppressedIdentity(TenantModel):
    """What remains of an erased contact: salted hashes, so a re-import is never contacted."""

    kind = models.CharField(max_length=12)  # email, phone or external_id
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "digest"], name="suppressed_unique_digest"
            ),
        ]


class Segment(TenantModel):
    """A saved filter on contacts in the one segment format (see segments.py)."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    conditions = models.JSONField(_("conditions"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="segment_unique_name"),
        ]

    def __str__(self):
        return self.name


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Waiting for the column mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(TenantModel):
    """One CSV import of any registered kind, processed in chunks that resume after a crash.

    ``rows_committed`` advances in the same transaction as each chunk's rows and rejections, so a
    killed worker resumes exactly after the last committed chunk: nothing twice, nothing lost.
    """

    kind = models.CharField(_("kind"), max_length=40)
    file = models.FileField(upload_to="imports/")
    original_name = models.CharField(max_length=255)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    header = models.JSONField(default=list)
    column_mapping = models.JSONField(default=dict)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    rows_committed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        "tenancy.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The language of whoever started it: the worker writes the rejected rows' errors in it.
    language = models.CharField(max_length=8, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="import_org_created"),
            # The resume sweeper looks for running jobs whose worker went silent.
            models.Index(fields=["status", "heartbeat_at"], name="import_status_heartbeat"),
        ]

    def __str__(self):
        return f"{self.original_name} ({self.kind})"

    @property
    def progress_percent(self):
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, round(100 * self.rows_committed / self.total_rows))

    @property
    def is_finished(self):
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class ImportRejection(TenantModel):
    """A row an import could not store, with its reasons (downloadable as CSV)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    row_number = models.PositiveIntegerField()
    values = models.JSONField(default=dict)
    errors = models.JSONField(default=dict)

    class Meta:
        ordering = ["row_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="rejection_unique_row"),
        ]
