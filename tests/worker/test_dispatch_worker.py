"""A real worker on Redis takes an interaction to a sent SMS through the real Twilio SDK, and a
worker killed after recording a message never sends it twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from surveys import dispatch, provider_events
from surveys.models import Invitation, Message, SenderNumber
from tests.surveys.test_dispatch import event, listen, post
from tests.workers import wait_for

pytestmark = pytest.mark.worker


def twilio_environment(fake) -> dict:
    return {
        "TEST_SMS_BACKEND": "vocapp.messaging.sms.TwilioBackend",
        "TWILIO_API_BASE_URL": fake.url,
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
    }


@pytest.fixture
def api(api_client_for, org_a):
    return api_client_for(org_a, scopes=("ingest", "read"))


def within_window_event():
    """An interaction just now, from a customer in a zone where it is mid-afternoon."""
    from datetime import UTC, datetime

    from vocapp.tenancy.models import Organization

    hour = datetime.now(UTC).hour
    zone = "Etc/GMT%+d" % (hour - 14) if hour != 14 else "UTC"  # noqa: UP031  (POSIX sign)
    body = event(contact_time_zone=zone)
    body["occurred_at"] = datetime.now(UTC).isoformat()
    body["contact"]["time_zone"] = zone
    body["contact"].pop("contact_time_zone", None)
    Organization.objects.update(country="")  # no public holiday may close the window today
    return body


def test_a_real_worker_takes_an_interaction_to_a_sent_sms(real_worker, fake_twilio, org_a, api):
    SenderNumber.objects.create(number="+15005550006")
    listen(org_a, channels=("sms",))
    worker = real_worker(env=twilio_environment(fake_twilio))
    # The commit-time nudge goes through Redis: only the worker can send it.
    [pk] = post(api, within_window_event())
    [sms] = wait_for(lambda: fake_twilio.messages, timeout=30, message="the SMS at the fake API")
    assert sms.to == "+33612345601" and sms.sender == "+15005550006"
    invitation = wait_for(
        lambda: Invitation.objects.unscoped().filter(pk=pk, state="sent").first(),
        timeout=10,
        message="the invitation marked sent",
    )
    assert f"/s/{invitation.token}/" in sms.body
    assert "surveys.tasks.dispatch_due_invitations" in worker.output


def test_a_worker_killed_inside_the_provider_call_never_sends_twice(
    real_worker, fake_twilio, org_a, api
):
    SenderNumber.objects.create(number="+15005550006")
    listen(org_a, channels=("sms",))
    environment = twilio_environment(fake_twilio)
    worker = real_worker(env=environment)
    fake_twilio.hold_next()  # Twilio takes the message and the worker waits for the answer...
    [pk] = post(api, within_window_event())
    wait_for(fake_twilio.holding.is_set, timeout=30, message="the worker inside the call")
    worker.kill()  # ...when it is killed
    fake_twilio.release()
    # Another worker runs the sweeper and the dispatcher later: nothing is sent again.
    later = timezone.now() + timedelta(minutes=20)
    assert provider_events.sweep_sending(later) == 1
    real_worker(env=environment)
    dispatch.dispatch_due(later)
    assert len(fake_twilio.messages) == 1
    assert Message.objects.unscoped().get().status == "uncertain"
    assert Invitation.objects.unscoped().get(pk=pk).state == "uncertain"
