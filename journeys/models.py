import secrets

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from vocapp.tenancy.scope import TenantModel

touchpoint_key = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,59}$",
    _("Lower-case letters, digits, - and _ only (used by your systems in the API)."),
)


def new_public_key():
    return secrets.token_urlsafe(12)


class JourneyKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer journey")
    EMPLOYEE = "employee", _("Employee journey")
    USER = "user", _("User journey")


class Persona(TenantModel):
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    goals = models.TextField(_("goals"), blank=True)
    frustrations = models.TextField(_("frustrations"), blank=True)
    segment = models.ForeignKey(
        "contacts.Segment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segment"),
    )
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Journey(TenantModel):
    name = models.CharField(_("name"), max_length=120)
    persona = models.ForeignKey(
        Persona,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journeys",
        verbose_name=_("persona"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=JourneyKind.choices, default=JourneyKind.CUSTOMER
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["organization", "name"], name="journey_org_name")]

    def __str__(self):
        return self.name


class Stage(TenantModel):
    journey = models.ForeignKey(Journey, on_delete=models.PROTECT, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    STORE = "store", _("Store")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    APP = "app", _("Mobile app")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social media")
    MAIL = "mail", _("Post")
    KIOSK = "kiosk", _("Kiosk")
    OTHER = "other", _("Other")


class Direction(models.TextChoices):
    PUSH = "push", _("Push (the company reaches out)")
    PULL = "pull", _("Pull (the customer comes)")


class Nature(models.TextChoices):
    INFORMATIVE = "informative", _("Informative")
    TRANSACTIONAL = "transactional", _("Transactional")


class Touchpoint(TenantModel):
    """A moment where the customer meets the company; the unit that is listened to."""

    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="touchpoints", verbose_name=_("stage")
    )
    name = models.CharField(_("name"), max_length=120)
    key = models.CharField(
        _("key"),
        max_length=60,
        validators=[touchpoint_key],
        help_text=_("How your systems name it in the API, e.g. parcel-received."),
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    direction = models.CharField(
        _("direction"), max_length=4, choices=Direction.choices, default=Direction.PULL
    )
    nature = models.CharField(
        _("nature"), max_length=13, choices=Nature.choices, default=Nature.TRANSACTIONAL
    )
    goal = models.TextField(_("goal"), blank=True)
    customer_actions = models.TextField(_("what the customer does"), blank=True)
    emotions = models.TextField(_("what the customer feels"), blank=True)
    friction_points = models.TextField(_("friction points"), blank=True)
    internal_processes = models.TextField(_("internal processes involved"), blank=True)
    is_moment_of_truth = models.BooleanField(_("moment of truth"), default=False)
    importance = models.PositiveSmallIntegerField(
        _("importance"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    target_score = models.PositiveSmallIntegerField(
        _("target level (0–100)"), default=80, validators=[MaxValueValidator(100)]
    )
    # Platform-wide lookup from the open QR/kiosk survey link /q/<public_key>/.
    public_key = models.CharField(
        max_length=24, unique=True, default=new_public_key, editable=False
    )
    owner = models.ForeignKey(
        "tenancy.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="touchpoint_unique_key"),
        ]

    def __str__(self):
        return self.name
