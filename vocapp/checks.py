"""System checks that warn when a provider is left on its embedded stand-in.

Ids vocapp.W001 and W002 are kept for the SMS provider (Twilio), which arrives with sending.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register


def _production_like():
    """The embedded stand-ins are the point of `make run` and the tests: warn in production only."""
    return settings.ENVIRONMENT == "production"


@register(Tags.compatibility, deploy=False)
def check_providers(app_configs, **kwargs):
    warnings = []
    if _production_like() and settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        warnings.append(
            Warning(
                "Emails are not sent: they are printed to the console.",
                hint="Set EMAIL_BACKEND to an anymail backend and its ESP's settings.",
                id="vocapp.W003",
            )
        )
    if settings.EMAIL_BACKEND.startswith("anymail.") and not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        warnings.append(
            Warning(
                "ANYMAIL_WEBHOOK_SECRET is empty: delivery and bounce events are refused (403).",
                hint="Set it to user:password and give the same to your ESP's webhook settings.",
                id="vocapp.W004",
            )
        )
    if _production_like() and not settings.PUBLIC_BASE_URL.startswith("https://"):
        warnings.append(
            Warning(
                "PUBLIC_BASE_URL is not https: survey links and webhook signatures use it.",
                hint="Set PUBLIC_BASE_URL to the public https address of the site.",
                id="vocapp.W005",
            )
        )
    return warnings
