"""Pytest fixtures that switch the settings to a fake provider for one test.

``fake_twilio``: a running FakeTwilio; SMS_BACKEND is the real TwilioBackend, TWILIO_API_BASE_URL
points at the fake and the platform credentials are the fake's account.
``fake_esp``: a running FakePostmark; EMAIL_BACKEND is anymail's real Postmark backend sending to
it (the other ANYMAIL keys, such as the webhook secret, are kept).
``sms_outbox``: the LocMemBackend's outbox, empty at the start of the test.
"""

import pytest

from tests.fakes.esp import FakePostmark
from tests.fakes.twilio_api import FakeTwilio
from vocapp.messaging import sms


@pytest.fixture
def fake_twilio(settings):
    with FakeTwilio() as fake:
        settings.SMS_BACKEND = "vocapp.messaging.sms.TwilioBackend"
        settings.TWILIO_API_BASE_URL = fake.url
        settings.TWILIO_ACCOUNT_SID = fake.account_sid
        settings.TWILIO_AUTH_TOKEN = fake.auth_token
        yield fake


@pytest.fixture
def fake_esp(settings):
    with FakePostmark() as fake:
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = fake.anymail_settings(settings.ANYMAIL)
        yield fake


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "vocapp.messaging.sms.LocMemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()
