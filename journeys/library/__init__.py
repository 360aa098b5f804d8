"""Ready-made journeys: stages and example touchpoints that a new journey is made from in one click.

The texts are written here in English and French side by side (``{"en": ..., "fr": ...}``) rather
than through gettext: they are the organization's own data once copied, so a journey made from a
template stores them in the organization's default language (``Organization.default_locale``) and
the team edits them from there. The template names shown on the page follow the reader's language.

Touchpoint keys are what the organization's systems send to the API (``parcel-received``); a key
already taken in the organization gets a suffix (``parcel-received-2``) when the journey is made.
"""

from .base import FALLBACK, LANGUAGES, JourneyTemplate, StageTemplate, TouchpointTemplate, localized
from .business import B2B, EMPLOYEE
from .consumer import CUSTOMER_SERVICE, ECOMMERCE, RETAIL

__all__ = [
    "FALLBACK",
    "LANGUAGES",
    "TEMPLATES",
    "JourneyTemplate",
    "StageTemplate",
    "TouchpointTemplate",
    "get_template",
    "localized",
]

TEMPLATES: dict[str, JourneyTemplate] = {
    template.key: template for template in (ECOMMERCE, RETAIL, CUSTOMER_SERVICE, B2B, EMPLOYEE)
}


def get_template(key: str) -> JourneyTemplate | None:
    return TEMPLATES.get(key)
