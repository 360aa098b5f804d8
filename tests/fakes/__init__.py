"""Local fakes of the providers (Twilio, Postmark) on 127.0.0.1, and their pytest fixtures.

Register the fixtures in a test folder's conftest.py with
``from tests.fakes.fixtures import fake_esp, fake_twilio, sms_outbox  # noqa: F401``.
"""
