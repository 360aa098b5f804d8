"""Surveys and their versioned questions."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

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
