"""System checks warn, with stable ids, when production runs on an embedded stand-in."""

from django.core.checks import run_checks
from django.test import override_settings

PRODUCTION_READY = {
    "ENVIRONMENT": "production",
    "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
    "ANYMAIL": {"POSTMARK_SERVER_TOKEN": "token", "WEBHOOK_SECRET": "user:password"},
    "PUBLIC_BASE_URL": "https://voice.example.com",
}


def warning_ids(**overrides):
    with override_settings(**{**PRODUCTION_READY, **overrides}):
        return {message.id for message in run_checks() if message.id.startswith("vocapp.")}


def test_a_configured_production_raises_no_warning():
    assert warning_ids() == set()


def test_it_warns_when_production_prints_emails_to_the_console():
    backend = "django.core.mail.backends.console.EmailBackend"
    assert warning_ids(EMAIL_BACKEND=backend) == {"vocapp.W003"}


def test_it_warns_when_the_esp_cannot_reach_the_webhooks():
    assert warning_ids(ANYMAIL={"WEBHOOK_SECRET": ""}) == {"vocapp.W004"}


def test_it_warns_when_the_public_address_is_not_https():
    assert warning_ids(PUBLIC_BASE_URL="http://voice.example.com") == {"vocapp.W005"}


def test_the_embedded_stand_ins_raise_no_warning_outside_production():
    assert (
        warning_ids(
            ENVIRONMENT="development",
            EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
            PUBLIC_BASE_URL="http://127.0.0.1:8000",
        )
        == set()
    )
