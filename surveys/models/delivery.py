"""Delivery: the organization's policy, interactions in, and the invitations they become."""

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vocapp.tenancy.scope import TenantModel

from .content import SurveyVersion
from .listening import Campaign, ListeningRule


class ConsentBasis(models.TextChoices):
    OPT_IN = "opt_in", _("Opt-in: only contacts who agreed")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest: unless opted out")


def default_sms_window():
    # Monday to Saturday, 08:00–20:00, not on public holidays (ARCHITECTURE.md).
    return {"days": [0, 1, 2, 3, 4, 5], "start": "08:00", "end": "20:00", "holidays": True}


class DeliveryPolicy(TenantModel):
    """What keeps the organization's customers from being spammed; one per organization.

    Rows are created on first use with the defaults of ARCHITECTURE.md's delivery rules.
    """

    sms_consent_basis = models.CharField(
        _("SMS consent"), max_length=20, choices=ConsentBasis.choices, default=ConsentBasis.OPT_IN
    )
    email_consent_basis = models.CharField(
        _("email consent"),
        max_length=20,
        choices=ConsentBasis.choices,
        default=ConsentBasis.LEGITIMATE_INTEREST,
    )
    fatigue_days = models.PositiveSmallIntegerField(
        _("one survey per person every (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    # [{"attribute": "tier", "value": "vip", "days": 90}]: the first match sets the budget.
    fatigue_rules = models.JSONField(_("fatigue by contact attribute"), default=list, blank=True)
    account_attribute = models.CharField(
        _("account attribute"), max_length=40, default="account", blank=True
    )
    account_cap_days = models.PositiveSmallIntegerField(
        _("one survey per account every (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Empty: no cap per account."),
    )
    dedup_hours = models.PositiveSmallIntegerField(
        _("same rule, same person: at most once every (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
    )
    cold_per_year = models.PositiveSmallIntegerField(
        _("cold surveys per person per year"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(2)],
    )
    sms_window = models.JSONField(_("SMS sending window"), default=default_sms_window)
    email_window = models.JSONField(_("email sending window"), null=True, blank=True)
    # Channels (Settings → Channels): who emails come from, the SMS budget, what a message costs.
    email_from_address = models.EmailField(
        _("emails come from (address)"),
        blank=True,
        help_text=_("Empty: the platform's sending address."),
    )
    email_from_name = models.CharField(
        _("emails come from (name)"),
        max_length=100,
        blank=True,
        help_text=_("Empty: the organization's name."),
    )
    email_reply_to = models.EmailField(
        _("replies go to"), blank=True, help_text=_("Empty: replies go to the sending address.")
    )
    email_html = models.BooleanField(
        _("send HTML emails (with the 0–10 scale as buttons)"),
        default=False,
        help_text=_("Unticked: plain text emails, with the survey link."),
    )
    sms_monthly_cap = models.PositiveIntegerField(
        _("SMS segments per month at most"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Counted in segments per calendar month in the organization's time zone. Empty: no cap."
        ),
    )
    sms_unit_cost = models.DecimalField(
        _("cost of one SMS segment"),
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    email_unit_cost = models.DecimalField(
        _("cost of one email"),
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    # The month ("2026-11") whose SMS cap was announced to the admins: one notice a month.
    sms_cap_notified_month = models.CharField(max_length=7, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="delivery_policy_one_per_org"),
        ]

    def __str__(self):
        return str(_("Delivery policy"))


class Interaction(TenantModel):
    """A customer's interaction at a touchpoint, as the organization's systems reported it."""

    touchpoint = models.ForeignKey(
        "journeys.Touchpoint", on_delete=models.PROTECT, related_name="interactions"
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="interactions"
    )
    external_id = models.CharField(max_length=100, blank=True)
    occurred_at = models.DateTimeField()
    attributes = models.JSONField(default=dict, blank=True)
    # One digest per payload field, so that a replay with a different payload names the field
    # without keeping a second copy of the contact's details.
    fingerprint = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="interaction_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "touchpoint", "-occurred_at"], name="interaction_org_tp"
            ),
        ]


class InvitationKind(models.TextChoices):
    HOT = "hot", _("Hot")
    WARM = "warm", _("Warm")
    REMINDER = "reminder", _("Reminder")
    COLD = "cold", _("Cold")
    RECOVERY = "recovery", _("Recovery check")


# The dispatcher's order (ARCHITECTURE.md): hot > warm > reminder > cold; within a kind, the
# rule's own priority (1–100) breaks ties. Stored as one number so one index serves the claim.
KIND_RANK = {"recovery": 4, "hot": 4, "warm": 3, "reminder": 2, "cold": 1}


def invitation_priority(kind: str, rule_priority: int = 50) -> int:
    return KIND_RANK[kind] * 1000 + rule_priority


class InvitationState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    ANSWERED = "answered", _("Answered")
    FAILED = "failed", _("Failed")
    UNCERTAIN = "uncertain", _("Uncertain")
    EXPIRED = "expired", _("Expired")
    SUPPRESSED = "suppressed", _("Not sent")


# ARCHITECTURE.md's state machine; provider events never move a state backwards.
TRANSITIONS = {
    "scheduled": {"sending", "suppressed", "expired"},
    "sending": {"sent", "failed", "uncertain"},
    "sent": {"delivered", "failed", "answered", "expired"},
    "delivered": {"answered", "expired"},
    "failed": {"answered"},
    "uncertain": {"sent", "failed", "delivered", "answered", "expired"},
    "answered": set(),
    "expired": set(),
    "suppressed": set(),
}
# States that spend the person's budget: everything but a suppression.
COUNTED_STATES = ("scheduled", "sending", "sent", "delivered", "answered", "failed", "uncertain")


class SuppressionReason(models.TextChoices):
    STALE_EVENT = "stale_event", _("Interaction too old for the rule")
    NOT_SAMPLED = "not_sampled", _("Not in the sample")
    NOT_IN_SEGMENT = "not_in_segment", _("Not in the rule's segment")
    NO_ADDRESS = "no_address", _("No phone or email for the rule's channels")
    NO_CONSENT = "no_consent", _("No consent for the rule's channels")
    OPTED_OUT = "opted_out", _("Opted out of the rule's channels")
    ERASED = "erased", _("Contact erased")
    DUPLICATE = "duplicate", _("Already invited by this rule recently")
    FATIGUE = "fatigue", _("Already surveyed recently (fatigue)")
    ACCOUNT_CAP = "account_cap", _("Account already surveyed recently")
    COLD_CAP = "cold_cap", _("Two cold surveys this year already")
    OUTSIDE_WINDOW = "outside_window", _("Outside the sending window")
    REPLACED = "replaced", _("Replaced by a higher-priority survey")
    # Found when sending: what changed since the invitation was scheduled.
    OPTED_OUT_SINCE = "opted_out_since_scheduled", _("Opted out since it was scheduled")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn since it was scheduled")
    NO_SENDER = "no_sender", _("No SMS sender number for the organization")
    SMS_CAP = "sms_cap", _("Monthly SMS cap reached")


def new_token() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits


class Invitation(TenantModel):
    """One survey for one person on one channel, from scheduling to its answer.

    Every decision is kept, sent or not: a suppressed invitation keeps its reason, which is what
    a CX manager reads to tune sampling and fatigue.
    """

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="invitations"
    )
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    rule = models.ForeignKey(
        ListeningRule, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    touchpoint = models.ForeignKey(
        "journeys.Touchpoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
    )
    survey_version = models.ForeignKey(
        SurveyVersion, on_delete=models.PROTECT, related_name="invitations"
    )
    kind = models.CharField(max_length=10, choices=InvitationKind.choices)
    channel = models.CharField(max_length=8, blank=True)
    state = models.CharField(
        max_length=10, choices=InvitationState.choices, default=InvitationState.SCHEDULED
    )
    reason = models.CharField(max_length=32, choices=SuppressionReason.choices, blank=True)
    priority = models.PositiveSmallIntegerField(default=0)
    send_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    # A reminder, or the next channel after a permanent failure, follows its first invitation.
    follows = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="followers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The dispatcher's claim: scheduled rows only, each organization's by priority then
            # send_at (its fair share is read from the index).
            models.Index(
                fields=["organization", "-priority", "send_at", "id"],
                condition=Q(state="scheduled"),
                name="invitation_due",
            ),
            # Fatigue, de-duplication and the cold cap look at one person's recent invitations.
            models.Index(
                fields=["organization", "contact", "created_at"], name="invitation_person"
            ),
            models.Index(
                fields=["organization", "touchpoint", "created_at"], name="invitation_org_tp"
            ),
            models.Index(
                fields=["organization", "campaign", "created_at"], name="invitation_org_campaign"
            ),
            # The rollups look for the invitations whose state changed since their last pass.
            models.Index(fields=["state_changed_at"], name="invitation_changed"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.get_channel_display_text()} → {self.contact}"

    def get_channel_display_text(self) -> str:
        return {"sms": "SMS", "email": str(_("email"))}.get(self.channel, "—")

    @property
    def is_counted(self) -> bool:
        return self.state in COUNTED_STATES


class CampaignRunStatus(models.TextChoices):
    RUNNING = "running", _("Preparing invitations")
    DONE = "done", _("Done")


class CampaignRun(TenantModel):
    """One sending of a cold campaign, materialized in batches that resume after a crash."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="runs")
    scheduled_for = models.DateField()
    status = models.CharField(
        max_length=10, choices=CampaignRunStatus.choices, default=CampaignRunStatus.RUNNING
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    scheduled_count = models.PositiveIntegerField(default=0)
    suppressed_count = models.PositiveIntegerField(default=0)
    # The last contact id handled: the next batch starts after it (resumable, never twice).
    cursor = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_for"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "scheduled_for"], name="campaign_run_once"),
        ]

    def __str__(self):
        return f"{self.campaign} {self.scheduled_for}"

    @property
    def progress_percent(self) -> int:
        if self.status == CampaignRunStatus.DONE or not self.total:
            return 100 if self.status == CampaignRunStatus.DONE else 0
        return min(100, round(100 * self.processed / self.total))
