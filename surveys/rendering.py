"""What the public survey page shows: one version's questions in one language, with branding.

``templates/surveys/public/survey.html`` renders this context. The editor's live preview uses it
today (saved or unsaved questions alike); the answering pages of a later issue use it for
``/s/<token>/`` and ``/q/<key>/``.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import SCORED_KINDS, QuestionKind

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_BRAND_COLOUR = "#1f6feb"

ANCHORS = {
    QuestionKind.NPS: (_("Not at all likely"), _("Extremely likely")),
    QuestionKind.CSAT: (_("Very dissatisfied"), _("Very satisfied")),
    QuestionKind.CES: (
        pgettext_lazy("effort", "Very difficult"),
        pgettext_lazy("effort", "Very easy"),
    ),
}


def survey_locale(requested: str | None, organization) -> str:
    """``requested`` when the product speaks it, else the organization's default language."""
    codes = [code for code, _name in settings.LANGUAGES]
    requested = (requested or "").split("-")[0].lower()
    if requested in codes:
        return requested
    return organization.default_locale if organization.default_locale in codes else codes[0]


def localized(texts: dict, locale: str, fallback: str) -> str:
    texts = texts or {}
    return texts.get(locale) or texts.get(fallback) or next(iter(texts.values()), "")


@dataclass
class ShownQuestion:
    key: str
    kind: str
    text: str
    required: bool
    points: list[int]
    low_label: str
    high_label: str
    choices: list[tuple[str, str]]
    show_if_score_min: int | None
    show_if_score_max: int | None
    is_main: bool
    # On the answering pages: what the customer gave already (strings, as the form posts them)
    # and what is wrong with it.
    given: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def given_text(self) -> str:
        return self.given[0] if self.given else ""

    @property
    def is_scored(self) -> bool:
        return self.kind in SCORED_KINDS

    @property
    def is_follow_up(self) -> bool:
        return self.show_if_score_min is not None

    @property
    def wide(self) -> bool:
        """More than seven points: laid out on two rows on a phone."""
        return len(self.points) > 7


def shown_questions(questions, locale: str, fallback: str) -> list[ShownQuestion]:
    """``questions``: Question instances (saved or not), in order."""
    shown, main_seen = [], False
    for question in questions:
        points, low_label, high_label = [], "", ""
        if question.kind in SCORED_KINDS and question.scale_min is not None:
            points = list(range(question.scale_min, question.scale_max + 1))
            low_label, high_label = ANCHORS[question.kind]
        is_main = question.kind in SCORED_KINDS and not question.is_follow_up and not main_seen
        main_seen = main_seen or is_main
        shown.append(
            ShownQuestion(
                key=question.key,
                kind=question.kind,
                text=localized(question.texts, locale, fallback),
                required=question.required,
                points=points,
                low_label=low_label,
                high_label=high_label,
                choices=[
                    (choice.get("key", ""), localized(choice.get("texts"), locale, fallback))
                    for choice in (question.choices or [])
                    if isinstance(choice, dict)
                ],
                show_if_score_min=question.show_if_score_min,
                show_if_score_max=question.show_if_score_max,
                is_main=is_main,
            )
        )
    return shown


def ink_for(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (#rrggbb)."""
    try:
        red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    except (ValueError, TypeError, IndexError):
        return "#ffffff"

    def channel(value):
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    return "#111111" if luminance > 0.4 else "#ffffff"


def branding(organization) -> dict:
    colour = organization.brand_colour or ""
    if not HEX_COLOUR.fullmatch(colour):
        colour = DEFAULT_BRAND_COLOUR
    return {
        "organization": organization,
        "logo_url": reverse("tenancy:logo", kwargs={"slug": organization.slug})
        if organization.logo
        else None,
        "brand_colour": colour,
        "brand_ink": ink_for(colour),
    }


def survey_page_context(
    organization, *, intro: dict, thank_you: dict, questions, locale: str, preview=False
) -> dict:
    fallback = organization.default_locale
    return {
        **branding(organization),
        "locale": locale,
        "intro": localized(intro, locale, fallback),
        "thank_you": localized(thank_you, locale, fallback),
        "questions": shown_questions(questions, locale, fallback),
        "preview": preview,
    }
