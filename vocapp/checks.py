"""System checks that warn when a provider is left on its embedded stand-in."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


def _production_like():
    return not settings.DEBUG


@register(Tags.compatibility, deploy=False)
def check_providers(app_configs, **kwargs):
    warnings = []
    if settings.SMS_BACKEND.endswith("TwilioBackend") and not (
        settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN
    ):
        warnings.append(
            Warning(
                "SMS_BACKEND is Twilio but TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN is empty.",
                hint="Set both, or use vocapp.messaging.sms.ConsoleBackend.",
                id="vocapp.W001",
            )
        )
    if _production_like() and settings.SMS_BACKEND.endswith("ConsoleBackend"):
        warnings.append(
            Warning(
                "SMS are not sent: they go to the local outbox page.",
                hint="Set SMS_BACKEND to vocapp.messaging.sms.TwilioBackend and TWILIO_*.",
                id="vocapp.W002",
            )
        )
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
                "ANYMAIL_WEBHOOK_SECRET is empty: delivery and bounce events cannot be received.",
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
