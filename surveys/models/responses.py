"""What customers answered."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vocapp.tenancy.scope import TenantModel

from .content import Question, SurveyVersion


class ResponseChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    LINK = "link", _("Link")
    QR = "qr", _("QR code / kiosk")


class KioskDevice(TenantModel):
    """A tablet or terminal showing a touchpoint's open survey (``/q/<key>/``) in kiosk mode.

    It holds a random token (only its SHA-256 is stored): its answers are rate-limited per
    device, so that a store's kiosk is not blocked by the traffic of its own IP address.
    """

    touchpoint = models.ForeignKey(
        "journeys.Touchpoint", on_delete=models.CASCADE, related_name="kiosk_devices"
    )
    label = models.CharField(_("name"), max_length=100)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["label", "pk"]

    def __str__(self):
        return self.label


class Response(TenantModel):
    """One person's answers to one survey version (through an invitation or an open link)."""

    survey_version = models.ForeignKey(
        SurveyVersion, on_delete=models.PROTECT, related_name="responses"
    )
    touchpoint = models.ForeignKey(
        "journeys.Touchpoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
    )
    # The first invitation (a reminder or the next channel answers for the one it follows).
    invitation = models.ForeignKey(
        "surveys.Invitation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
    )
    device = models.ForeignKey(
        KioskDevice, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses"
    )
    channel = models.CharField(max_length=8, choices=ResponseChannel.choices)
    locale = models.CharField(max_length=8, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One response per invitation: answering twice completes the same response.
            models.UniqueConstraint(
                fields=["invitation"],
                condition=Q(invitation__isnull=False),
                name="response_unique_invitation",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "started_at"], name="response_org_started"),
            models.Index(
                fields=["organization", "touchpoint", "started_at"], name="response_org_tp_started"
            ),
        ]


# A response as a row for ``vocapp.bulk.insert_rows``, in this order: how the demo's history,
# the metrics tests and the dashboard benchmark write responses in bulk.
RESPONSE_ROW_COLUMNS = (
    "organization_id",
    "survey_version_id",
    "touchpoint_id",
    "contact_id",
    "invitation_id",
    "channel",
    "locale",
    "started_at",
    "completed_at",
)


class Answer(TenantModel):
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    score = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    choices = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A score may change until its response is completed: the rollups look for what changed.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique"),
        ]
        indexes = [
            models.Index(fields=["updated_at"], name="answer_updated"),
            # Verbatims and the filters computed live read an organization's answers by date.
            models.Index(fields=["organization", "created_at"], name="answer_org_created"),
        ]
