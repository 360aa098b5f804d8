from tests.fakes.fixtures import fake_esp, fake_twilio, sms_outbox  # noqa: F401
