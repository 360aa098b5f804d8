"""Ready surveys: one click copies one into the organization, in English and French.

Each has at most four questions: the main score, and short follow-ups that depend on it (a
detractor is asked what went wrong, a promoter what they liked). The texts are written here in both
languages side by side because they become the organization's own data once copied: every language
is kept, since a survey is answered in each customer's language. The survey's name is taken in
the organization's default language.
"""

from dataclasses import dataclass

from django.utils import translation

from .content import Content
from .models import Survey
from .versioning import create_survey

FALLBACK = "en"


def localized(texts: dict, locale: str | None = None) -> str:
    locale = (locale or translation.get_language() or FALLBACK).split("-")[0]
    return texts.get(locale) or texts[FALLBACK]


@dataclass(frozen=True)
class LibrarySurvey:
    key: str
    name: dict
    description: dict
    timing: str  # "hot", "warm" or "cold": how it is meant to be used
    intro: dict
    thank_you: dict
    questions: tuple[dict, ...]

    def label(self, locale=None) -> str:
        return localized(self.name, locale)

    def summary(self, locale=None) -> str:
        return localized(self.description, locale)

    def content(self) -> Content:
        return Content(
            intro=dict(self.intro),
            thank_you=dict(self.thank_you),
            questions=[dict(question) for question in self.questions],
        )


def nps(key, en, fr):
    return {"key": key, "kind": "nps", "texts": {"en": en, "fr": fr}, "required": True}


def follow_up(key, low, high, en, fr):
    return {
        "key": key,
        "kind": "text",
        "texts": {"en": en, "fr": fr},
        "show_if_score_min": low,
        "show_if_score_max": high,
    }


def choice(key, en, fr):
    return {"key": key, "texts": {"en": en, "fr": fr}}


THANKS = {
    "en": "Thank you! Your answer goes straight to the team concerned.",
    "fr": "Merci ! Votre réponse est transmise directement à l'équipe concernée.",
}

SURVEYS = (
    LibrarySurvey(
        key="post_purchase_nps",
        name={"en": "Post-purchase NPS", "fr": "NPS après achat"},
        description={
            "en": "Right after an order: would they recommend you, and why.",
            "fr": "Juste après une commande : vous recommanderaient-ils, et pourquoi.",
        },
        timing="hot",
        intro={
            "en": "Thank you for your order. Two quick questions, less than a minute.",
            "fr": "Merci pour votre commande. Deux questions rapides, moins d'une minute.",
        },
        thank_you=THANKS,
        questions=(
            nps(
                "nps",
                "How likely are you to recommend us to a friend or colleague?",
                "Quelle est la probabilité que vous nous recommandiez à un proche ?",
            ),
            follow_up(
                "what_went_wrong",
                0,
                6,
                "Sorry to hear that. What went wrong?",
                "Nous en sommes désolés. Qu'est-ce qui n'a pas été ?",
            ),
            follow_up(
                "what_would_make_it_10",
                7,
                8,
                "What would have made it a 10?",
                "Que faudrait-il pour mériter un 10 ?",
            ),
            follow_up(
                "what_you_liked",
                9,
                10,
                "Great! What did you like most?",
                "Merci ! Qu'avez-vous le plus apprécié ?",
            ),
        ),
    ),
    LibrarySurvey(
        key="post_contact_csat",
        name={"en": "Post-contact CSAT", "fr": "CSAT après contact"},
        description={
            "en": "After a call, a chat or an email with your team: satisfaction and resolution.",
            "fr": "Après un appel, un chat ou un email avec votre équipe : satisfaction et "
            "résolution.",
        },
        timing="hot",
        intro={
            "en": "You were recently in touch with our team. How did it go?",
            "fr": "Vous avez récemment contacté notre équipe. Comment cela s'est-il passé ?",
        },
        thank_you=THANKS,
        questions=(
            {
                "key": "csat",
                "kind": "csat",
                "texts": {
                    "en": "How satisfied are you with your contact with our team?",
                    "fr": "Êtes-vous satisfait de votre échange avec notre équipe ?",
                },
                "required": True,
            },
            {
                "key": "resolved",
                "kind": "single",
                "texts": {
                    "en": "Was your request resolved?",
                    "fr": "Votre demande a-t-elle été résolue ?",
                },
                "choices": [
                    choice("yes", "Yes", "Oui"),
                    choice("partly", "Partly", "En partie"),
                    choice("no", "No", "Non"),
                ],
            },
            follow_up(
                "what_went_wrong",
                1,
                3,
                "What went wrong?",
                "Qu'est-ce qui n'a pas été ?",
            ),
            follow_up(
                "what_you_liked",
                4,
                5,
                "What did you like?",
                "Qu'avez-vous apprécié ?",
            ),
        ),
    ),
    LibrarySurvey(
        key="post_support_ces",
        name={"en": "Post-support CES", "fr": "CES après support"},
        description={
            "en": "After a support request: how easy it was to get it solved.",
            "fr": "Après une demande au support : était-ce facile d'obtenir une solution ?",
        },
        timing="hot",
        intro={
            "en": "Your request to our support team was closed. One question about it.",
            "fr": "Votre demande au support a été traitée. Une question à ce sujet.",
        },
        thank_you=THANKS,
        questions=(
            {
                "key": "ces",
                "kind": "ces",
                "texts": {
                    "en": "How easy was it to get your problem solved?",
                    "fr": "Avez-vous obtenu facilement la résolution de votre problème ?",
                },
                "scale_min": 1,
                "scale_max": 7,
                "required": True,
            },
            follow_up(
                "what_made_it_hard",
                1,
                3,
                "What made it difficult?",
                "Qu'est-ce qui a rendu les choses difficiles ?",
            ),
            follow_up(
                "what_helped",
                5,
                7,
                "What made it easy?",
                "Qu'est-ce qui vous a facilité les choses ?",
            ),
        ),
    ),
    LibrarySurvey(
        key="cold_barometer",
        name={"en": "Customer barometer", "fr": "Baromètre client"},
        description={
            "en": "Twice a year to a segment: the relationship as a whole, beyond one moment.",
            "fr": "Deux fois par an sur un segment : la relation dans son ensemble.",
        },
        timing="cold",
        intro={
            "en": "Twice a year we ask our customers what they think of us. It takes a minute.",
            "fr": "Deux fois par an, nous demandons à nos clients ce qu'ils pensent de nous. "
            "Cela prend une minute.",
        },
        thank_you=THANKS,
        questions=(
            nps(
                "nps",
                "All things considered, how likely are you to recommend us to a friend?",
                "Tout bien considéré, recommanderiez-vous notre enseigne à un proche ?",
            ),
            {
                "key": "what_matters",
                "kind": "multiple",
                "texts": {
                    "en": "What matters most to you?",
                    "fr": "Qu'est-ce qui compte le plus pour vous ?",
                },
                "choices": [
                    choice("price", "Prices", "Les prix"),
                    choice("quality", "Product quality", "La qualité des produits"),
                    choice("service", "Customer service", "Le service client"),
                    choice("delivery", "Delivery", "La livraison"),
                    choice("stores", "Our stores", "Nos magasins"),
                ],
            },
            follow_up(
                "what_to_improve",
                0,
                8,
                "What should we improve first?",
                "Que devrions-nous améliorer en priorité ?",
            ),
            follow_up(
                "what_you_value",
                9,
                10,
                "What do you value most about us?",
                "Qu'appréciez-vous le plus chez nous ?",
            ),
        ),
    ),
    LibrarySurvey(
        key="employee_enps",
        name={"en": "Employee eNPS", "fr": "eNPS collaborateurs"},
        description={
            "en": "For your teams: would they recommend you as a place to work.",
            "fr": "Pour vos équipes : recommanderaient-ils l'entreprise comme employeur.",
        },
        timing="cold",
        intro={
            "en": "This survey is anonymous in the results. Thank you for your honesty.",
            "fr": "Ce questionnaire est anonyme dans les résultats. Merci pour votre sincérité.",
        },
        thank_you={
            "en": "Thank you. The results are shared with every team.",
            "fr": "Merci. Les résultats sont partagés avec toutes les équipes.",
        },
        questions=(
            nps(
                "enps",
                "How likely are you to recommend our company as a place to work?",
                "Recommanderiez-vous notre entreprise comme employeur à un proche ?",
            ),
            follow_up(
                "what_to_improve",
                0,
                6,
                "What would most improve your working life here?",
                "Qu'est-ce qui améliorerait le plus votre quotidien au travail ?",
            ),
            follow_up(
                "what_you_enjoy",
                9,
                10,
                "What do you enjoy most about working here?",
                "Qu'appréciez-vous le plus dans votre travail ici ?",
            ),
        ),
    ),
)

BY_KEY = {survey.key: survey for survey in SURVEYS}


class UnknownLibrarySurvey(LookupError):
    pass


def get_library_survey(key: str) -> LibrarySurvey:
    try:
        return BY_KEY[key]
    except KeyError:
        raise UnknownLibrarySurvey(key) from None


def create_from_library(actor, organization, key: str, *, name: str | None = None):
    """Copy the library survey ``key`` into the organization (in scope); returns the Survey."""
    template = get_library_survey(key)
    name = name or template.label(organization.default_locale)
    taken = set(Survey.objects.filter(name__startswith=name).values_list("name", flat=True))
    unique, number = name, 2
    while unique in taken:
        unique, number = f"{name} ({number})", number + 1
    return create_survey(
        actor,
        name=unique,
        description=template.summary(organization.default_locale),
        content=template.content(),
        library_key=template.key,
    )
