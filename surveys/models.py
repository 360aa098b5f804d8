from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from vocapp.tenancy.scope import TenantModel

question_key = RegexValidator(r"^[a-z][a-z0-9_]{0,39}$", _("Lower-case letters, digits and _."))


class QuestionKind(models.TextChoices):
    NPS = "nps", _("NPS (0–10, would you recommend)")
    CSAT = "csat", _("CSAT (1–5, satisfaction)")
    CES = "ces", _("CES (effort, 1–7 by default)")
    TEXT = "text", _("Open text")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")


SCORED_KINDS = {QuestionKind.NPS, QuestionKind.CSAT, QuestionKind.CES}
CHOICE_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE}
DEFAULT_SCALES = {QuestionKind.NPS: (0, 10), QuestionKind.CSAT: (1, 5), QuestionKind.CES: (1, 7)}


class Survey(TenantModel):
    """A survey; its questions live in versions so that answers keep what they answered."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    library_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def current_version(self):
        return self.versions.order_by("-number").first()


class SurveyVersion(TenantModel):
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(default=1)
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    thank_you = models.JSONField(_("thank-you text"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["survey", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="survey_version_unique"),
        ]

    def __str__(self):
        return f"{self.survey} v{self.number}"


class Question(TenantModel):
    """One question of a survey version. ``key`` follows a question across versions."""

    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="questions")
    key = models.CharField(max_length=40, validators=[question_key])
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    texts = models.JSONField(default=dict, help_text="The question per language, e.g. en, fr.")
    scale_min = models.SmallIntegerField(null=True, blank=True)
    scale_max = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    # Score-dependent follow-up: shown only when the survey's first scored answer is in range.
    show_if_score_min = models.SmallIntegerField(null=True, blank=True)
    show_if_score_max = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="question_unique_key"),
        ]

    def __str__(self):
        return self.texts.get("en") or next(iter(self.texts.values()), self.key)

    @property
    def is_scored(self):
        return self.kind in SCORED_KINDS

    def text_for(self, locale: str, fallback: str = "en") -> str:
        return (
            self.texts.get(locale)
            or self.texts.get(fallback)
            or next(iter(self.texts.values()), "")
        )

    def clean(self):
        """One question on its own; checks across questions are in surveys.content."""
        errors = {}
        if not any(str(text).strip() for text in (self.texts or {}).values()):
            errors["texts"] = [_("Write the question in at least one language.")]
        if self.kind in SCORED_KINDS:
            low, high = DEFAULT_SCALES[self.kind]
            if self.kind != QuestionKind.CES:
                if (self.scale_min, self.scale_max) != (low, high):
                    errors["scale_max"] = [
                        _("NPS is 0–10 and CSAT 1–5; only CES may change scale.")
                    ]
            elif self.scale_min is None or self.scale_max is None:
                errors["scale_max"] = [_("A CES question needs a scale, e.g. 1 to 7.")]
            elif self.scale_min not in (0, 1):
                errors["scale_min"] = [_("A scale starts at 0 or 1.")]
            elif not 2 <= self.scale_max - self.scale_min <= 10:
                errors["scale_max"] = [_("A scale has from three to eleven points.")]
        elif self.scale_min is not None or self.scale_max is not None:
            errors["scale_max"] = [_("Only NPS, CSAT and CES questions have a scale.")]
        if self.kind in CHOICE_KINDS:
            problem = choices_problem(self.choices)
            if problem:
                errors["choices"] = [problem]
        elif self.choices:
            errors["choices"] = [_("Only choice questions have choices.")]
        low, high = self.show_if_score_min, self.show_if_score_max
        if (low is None) != (high is None):
            errors["show_if_score_max"] = [_("Give both ends of the score range, or neither.")]
        elif low is not None and low > high:
            errors["show_if_score_max"] = [
                _("The range must go from the lower to the higher score.")
            ]
        if errors:
            raise ValidationError(errors)

    @property
    def is_follow_up(self):
        return self.show_if_score_min is not None


def choices_problem(choices) -> str | None:
    """Why a choice list is malformed, or None.

    Each choice is ``{"key": "delivery", "texts": {"en": "Delivery", "fr": "Livraison"}}``.
    """
    if not isinstance(choices, list) or len(choices) < 2:
        return _("Give at least two choices.")
    keys = []
    for choice in choices:
        if not isinstance(choice, dict) or not isinstance(choice.get("texts"), dict):
            return _('Each choice is {"key": ..., "texts": {"en": ..., "fr": ...}}.')
        if not any(str(text).strip() for text in choice["texts"].values()):
            return _("Each choice needs a text.")
        keys.append(choice.get("key"))
    if len(set(keys)) != len(keys) or not all(isinstance(key, str) and key for key in keys):
        return _("Each choice needs its own key.")
    if len(choices) > 20:
        return _("At most 20 choices.")
    return None


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


class ResponseChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    LINK = "link", _("Link")
    QR = "qr", _("QR code / kiosk")


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
    channel = models.CharField(max_length=8, choices=ResponseChannel.choices)
    locale = models.CharField(max_length=8, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "started_at"], name="response_org_started"),
            models.Index(
                fields=["organization", "touchpoint", "started_at"], name="response_org_tp_started"
            ),
        ]


class Answer(TenantModel):
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    score = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    choices = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique"),
        ]
