"""System checks warn, with stable ids, when production runs on an embedded stand-in, and stay
silent once the provider is configured."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from vocapp.checks import check_providers

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
POSTMARK = "anymail.backends.postmark.EmailBackend"
PRODUCTION_READY = {
    "ENVIRONMENT": "production",
    "DEBUG": False,
    "EMAIL_BACKEND": POSTMARK,
    "ANYMAIL": {"POSTMARK_SERVER_TOKEN": "token", "WEBHOOK_SECRET": "user:password"},
    "PUBLIC_BASE_URL": "https://voice.example.com",
}
# Per check id: the settings that leave its provider unconfigured.
NOT_CONFIGURED = {
    "vocapp.W003": {"EMAIL_BACKEND": CONSOLE_EMAIL},
    "vocapp.W004": {"ANYMAIL": {"POSTMARK_SERVER_TOKEN": "token", "WEBHOOK_SECRET": ""}},
    "vocapp.W005": {"PUBLIC_BASE_URL": "http://voice.example.com"},
}


def provider_warnings(**overrides) -> set[str]:
    with override_settings(**{**PRODUCTION_READY, **overrides}):
        return {message.id for message in check_providers(None)}


def registered_warnings(**overrides) -> set[str]:
    """The same, through Django's registry: the checks `manage.py check` runs."""
    with override_settings(**{**PRODUCTION_READY, **overrides}):
        return {message.id for message in run_checks() if message.id.startswith("vocapp.")}


def test_every_check_id_is_covered_here():
    source = (Path(settings.BASE_DIR) / "vocapp" / "checks.py").read_text()
    assert set(re.findall(r'id="(vocapp\.\w+)"', source)) == set(NOT_CONFIGURED)


def test_a_configured_production_raises_no_warning():
    assert provider_warnings() == set()
    assert registered_warnings() == set()


@pytest.mark.parametrize("check_id", sorted(NOT_CONFIGURED))
def test_each_check_warns_when_its_provider_is_not_configured(check_id):
    assert provider_warnings(**NOT_CONFIGURED[check_id]) == {check_id}
    assert registered_warnings(**NOT_CONFIGURED[check_id]) == {check_id}


def test_the_embedded_stand_ins_raise_no_warning_outside_production():
    embedded = {
        "ENVIRONMENT": "development",
        "DEBUG": True,
        "EMAIL_BACKEND": CONSOLE_EMAIL,
        "ANYMAIL": {"WEBHOOK_SECRET": ""},
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    }
    assert provider_warnings(**embedded) == set()


def test_an_esp_without_webhook_secret_warns_in_any_environment():
    # Bounces and complaints would be lost just the same on a staging site.
    overrides = {**NOT_CONFIGURED["vocapp.W004"], "ENVIRONMENT": "development", "DEBUG": True}
    assert provider_warnings(**overrides) == {"vocapp.W004"}


def test_manage_py_check_shows_the_warnings_with_their_hints():
    stderr = io.StringIO()
    with override_settings(
        **{**PRODUCTION_READY, **NOT_CONFIGURED["vocapp.W003"], **NOT_CONFIGURED["vocapp.W005"]}
    ):
        call_command("check", stdout=io.StringIO(), stderr=stderr)
        output = stderr.getvalue()
        assert "(vocapp.W003) Emails are not sent: they are printed to the console." in output
        assert "HINT: Set EMAIL_BACKEND to an anymail backend" in output
        assert "(vocapp.W005) PUBLIC_BASE_URL is not https" in output
        # An operator can make them fatal, e.g. in a deployment pipeline.
        with pytest.raises(SystemCheckError, match="vocapp.W003"):
            call_command("check", fail_level="WARNING", stdout=io.StringIO())
