"""How touchpoints are listened to: listening rules (hot, warm) and cold campaigns."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from vocapp.tenancy.scope import TenantModel

from .content import Survey


class Timing(models.TextChoices):
    HOT = "hot", _("Hot: right after the interaction")
    WARM = "warm", _("Warm: some time later")


class SendChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class ListeningRule(TenantModel):
    """How one touchpoint is listened to: which survey, on which channels, when."""

    touchpoint = models.ForeignKey(
        "journeys.Touchpoint",
        on_delete=models.PROTECT,
        related_name="listening_rules",
        verbose_name=_("touchpoint"),
    )
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="rules", verbose_name=_("survey")
    )
    channels = models.JSONField(_("channels, in order of preference"), default=list)
    timing = models.CharField(_("timing"), max_length=4, choices=Timing.choices, default=Timing.HOT)
    delay_minutes = models.PositiveIntegerField(
        _("delay (warm), in minutes"),
        default=0,
        help_text=_("For warm listening: how long after the interaction to ask."),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Higher wins when two surveys compete for the same person."),
    )
    sampling_percent = models.PositiveSmallIntegerField(
        _("sampling (%)"), default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    segment = models.ForeignKey(
        "contacts.Segment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only for segment"),
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        _("reminder after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("One reminder at most, to those who have not answered."),
    )
    expiry_days = models.PositiveSmallIntegerField(
        _("link valid for (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    max_delay_minutes = models.PositiveIntegerField(
        _("hot: latest sending after the interaction (minutes)"),
        default=24 * 60,
        help_text=_(
            "Outside the sending window, a hot survey waits for the next opening only this long."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "id"]
        indexes = [
            # Scheduling reads a touchpoint's active rules for every interaction.
            models.Index(fields=["organization", "touchpoint", "active"], name="rule_tp_active"),
        ]

    def __str__(self):
        return f"{self.touchpoint} → {self.survey} ({self.get_timing_display()})"

    # A warm survey asked more than two months after the interaction is no longer "warm".
    MAX_WARM_DELAY_MINUTES = 60 * 24 * 60

    def clean(self):
        errors = {}
        problem = channels_problem(self.channels)
        if problem:
            errors["channels"] = [problem]
        if self.timing == Timing.WARM and self.delay_minutes < 60:
            errors["delay_minutes"] = [_("Warm listening waits at least an hour.")]
        elif self.timing == Timing.WARM and self.delay_minutes > self.MAX_WARM_DELAY_MINUTES:
            errors["delay_minutes"] = [_("Warm listening waits at most 60 days.")]
        elif self.timing == Timing.HOT and self.delay_minutes > 60:
            errors["delay_minutes"] = [_("Hot listening asks within the hour.")]
        if self.timing == Timing.HOT and self.max_delay_minutes < 15:
            errors["max_delay_minutes"] = [_("Leave at least 15 minutes to send a hot survey.")]
        if (
            self.reminder_after_days is not None
            and self.expiry_days is not None
            and self.reminder_after_days >= self.expiry_days
        ):
            errors["reminder_after_days"] = [
                _("The reminder must go before the link expires (%(days)s days).")
                % {"days": self.expiry_days}
            ]
        if errors:
            raise ValidationError(errors)

    @property
    def delay_display(self) -> str:
        return describe_delay(self.delay_minutes)

    @property
    def channel_labels(self) -> list[str]:
        return channel_labels(self.channels)

    @property
    def channels_display(self) -> str:
        return describe_channels(self.channels)


def channels_problem(channels) -> str | None:
    """Why a list of channels in order of preference is invalid, or None."""
    if not isinstance(channels, list) or not channels:
        return _("Choose SMS and/or email, in order of preference.")
    if any(channel not in SendChannel.values for channel in channels):
        return _("Channels are sms and email.")
    if len(set(channels)) != len(channels):
        return _("Each channel once.")
    return None


def describe_channels(channels) -> str:
    """e.g. "SMS then email": the first capitalised, the others as in a sentence."""
    labels = [str(label) for label in channel_labels(channels)]
    labels = labels[:1] + [label if label.isupper() else label.lower() for label in labels[1:]]
    return f" {_('then')} ".join(labels)


def channel_labels(channels) -> list[str]:
    return [
        SendChannel(channel).label if channel in SendChannel.values else channel
        for channel in channels or []
    ]


def describe_delay(minutes: int) -> str:
    """'3 days', '5 hours', '30 minutes' (the largest whole unit)."""
    if minutes and minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


class Campaign(TenantModel):
    """A cold barometer: the same survey to a segment, at most twice a year per contact."""

    name = models.CharField(_("name"), max_length=120)
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("survey")
    )
    segment = models.ForeignKey(
        "contacts.Segment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segment"),
    )
    channels = models.JSONField(_("channels, in order of preference"), default=list)
    starts_on = models.DateField(_("first sending"))
    repeat_every_days = models.PositiveSmallIntegerField(
        _("repeat every (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(30), MaxValueValidator(730)],
    )
    sample_size = models.PositiveIntegerField(
        _("sample size"), null=True, blank=True, help_text=_("Empty: everyone in the segment.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    # The cold barometer is at most twice a year per contact.
    MIN_COMFORTABLE_REPEAT_DAYS = 182

    class Meta:
        ordering = ["starts_on", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        problem = channels_problem(self.channels)
        if problem:
            raise ValidationError({"channels": [problem]})

    @property
    def channel_labels(self) -> list[str]:
        return channel_labels(self.channels)

    @property
    def channels_display(self) -> str:
        return describe_channels(self.channels)

    @property
    def too_frequent(self):
        return bool(
            self.repeat_every_days and self.repeat_every_days < self.MIN_COMFORTABLE_REPEAT_DAYS
        )
