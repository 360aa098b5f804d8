import functools
import hashlib
import secrets
import zoneinfo
from datetime import time, timedelta

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .roles import Role, role_can
from .scope import TenantModel

CURRENCIES = [
    ("EUR", "EUR €"),
    ("USD", "USD $"),
    ("GBP", "GBP £"),
    ("CHF", "CHF"),
    ("CAD", "CAD $"),
    ("AUD", "AUD $"),
    ("JPY", "JPY ¥"),
    ("SEK", "SEK kr"),
    ("NOK", "NOK kr"),
    ("DKK", "DKK kr"),
    ("PLN", "PLN zł"),
    ("MAD", "MAD"),
    ("XOF", "XOF"),
]
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


@functools.cache
def known_time_zones() -> frozenset[str]:
    """The IANA time zone names. Listing them walks the zoneinfo folder: once per process."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value):
    if value not in known_time_zones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def new_privacy_salt():
    return secrets.token_hex(16)


def default_business_days():
    return [0, 1, 2, 3, 4]


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour such as #1f6feb."))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address (platform-wide, not tenant-owned)."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(_("platform staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Organization(models.Model):
    """A tenant: a company and its settings. Everything else belongs to one."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    country = CountryField(_("country"), default="FR")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, default="EUR")
    default_locale = models.CharField(
        _("default language"),
        max_length=8,
        choices=[("en", "English"), ("fr", "Français")],
        default="en",
    )
    business_days = models.JSONField(_("business days"), default=default_business_days)
    business_opens_at = models.TimeField(_("opens at"), default=time(9, 0))
    business_closes_at = models.TimeField(_("closes at"), default=time(18, 0))
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    brand_colour = models.CharField(
        _("brand colour"), max_length=7, default="#1f6feb", validators=[hex_colour]
    )
    level_neutral_from = models.PositiveSmallIntegerField(
        _("neutral from (level)"), default=60, validators=[MaxValueValidator(100)]
    )
    level_enchantment_from = models.PositiveSmallIntegerField(
        _("enchantment from (level)"), default=80, validators=[MaxValueValidator(100)]
    )
    minimum_n = models.PositiveIntegerField(
        _("minimum answers for a reliable score"), default=30, validators=[MinValueValidator(1)]
    )
    retention_months = models.PositiveSmallIntegerField(
        _("keep verbatims and inactive contacts (months)"),
        default=36,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    # Salt of the hashed addresses kept after a GDPR erase (never shown, never rotated).
    privacy_salt = models.CharField(max_length=64, default=new_privacy_salt, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level_neutral_from__lt=models.F("level_enchantment_from")),
                name="organization_levels_ordered",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """Its time zone: local days, sending windows and dashboards count in it (UTC if this
        machine's time zone data does not know the name)."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def clean(self):
        if self.level_neutral_from >= self.level_enchantment_from:
            raise ValidationError(
                {"level_enchantment_from": _("Enchantment must start above the neutral level.")}
            )
        if (
            self.business_opens_at
            and self.business_closes_at
            and (self.business_opens_at >= self.business_closes_at)
        ):
            raise ValidationError({"business_closes_at": _("Closing must come after opening.")})


class Membership(models.Model):
    """A user's role in one organization (the tenancy itself, so not behind the scoped manager)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user"),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.organization}"

    def can(self, capability: str) -> bool:
        return role_can(self.role, capability)


class Team(TenantModel):
    name = models.CharField(_("name"), max_length=100)
    lead = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead"),
    )
    members = models.ManyToManyField(
        User, blank=True, related_name="teams", verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="team_unique_name"),
        ]

    def __str__(self):
        return self.name


class ApiScope(models.TextChoices):
    INGEST = "ingest", _("ingest: send interactions, contacts and transactions")
    READ = "read", _("read: read everything")
    ADMIN = "admin", _("admin: read and change everything")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(TenantModel):
    """``vk_<prefix>_<secret>``: the prefix finds the key, only the secret's SHA-256 is stored."""

    name = models.CharField(_("name"), max_length=100)
    # Platform-wide lookup on authentication: unique index of its own.
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="apikey_org_created")]

    def __str__(self):
        return f"{self.name} (vk_{self.prefix}_…)"

    @classmethod
    def generate(cls) -> tuple[str, str, str]:
        """A fresh (prefix, secret, full key)."""
        prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        return prefix, secret, f"vk_{prefix}_{secret}"

    @property
    def is_active(self):
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        # admin covers everything; the others are independent.
        return ApiScope.ADMIN in self.scopes or scope in self.scopes

    def secret_matches(self, secret: str) -> bool:
        return secrets.compare_digest(self.secret_hash, hash_secret(secret))


class MembershipInvite(TenantModel):
    """An emailed invitation to join an organization; the link carries a token, we keep its hash."""

    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    # Platform-wide lookup from the public join link.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    VALIDITY = timedelta(days=7)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "email"], name="invite_org_email")]

    def __str__(self):
        return self.email

    @property
    def is_pending(self):
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class AuditEvent(TenantModel):
    """Who changed what, when: written by ``record_audit`` for every change of configuration."""

    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The audit page lists an organization's newest events first.
            models.Index(fields=["organization", "-created_at"], name="audit_org_created"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
