"""What providers say after sending: Twilio status callbacks (signed) and anymail tracking."""

import base64
import json
from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse

from surveys import dispatch, tasks
from surveys.models import Invitation, Message
from tests.fakes.esp import postmark_event
from vocapp.contacts.models import AddressOptOut
from vocapp.tenancy.scope import organization_scope

from .test_dispatch import clock, event, hot_rule, post, shared_sender  # noqa: F401

STATUS_PATH = "/webhooks/twilio/status/"
WEBHOOK_SECRET = "hook:secret"


@pytest.fixture
def api(api_client_for, org_a):
    return api_client_for(org_a, scopes=("ingest", "read"))


@pytest.fixture
def sent_sms(api, hot_rule, clock, fake_twilio):  # noqa: F811
    """One invitation sent through the real Twilio SDK to the local fake Twilio API."""
    [pk] = post(api, event())
    dispatch.dispatch_due()
    [sms] = fake_twilio.messages
    return SimpleNamespace(sms=sms, fake=fake_twilio, invitation_id=pk, org=hot_rule.organization)


def callback(client, sent, status, error_code=None, signature=None):
    signed = sent.fake.status_callback(sent.sms.sid, status, error_code)
    assert signed.url.endswith(STATUS_PATH)
    return client.post(
        STATUS_PATH, signed.params, HTTP_X_TWILIO_SIGNATURE=signature or signed.signature
    )


def states(sent):
    with organization_scope(sent.org):
        message = Message.objects.get()
        return message.status, Invitation.objects.get(pk=sent.invitation_id).state


def test_the_real_sdk_sends_to_the_fake_api_with_our_status_callback(sent_sms):
    sms = sent_sms.sms
    assert (sms.to, sms.sender) == ("+33612345601", "+15005550006")
    assert sms.status_callback.endswith(STATUS_PATH)
    with organization_scope(sent_sms.org):
        assert Message.objects.get().provider_id == sms.sid
    assert states(sent_sms) == ("sent", "sent")


def test_a_signed_delivery_moves_forward_once_and_never_back(client, sent_sms):
    assert callback(client, sent_sms, "delivered").status_code == 204
    assert states(sent_sms) == ("delivered", "delivered")
    assert callback(client, sent_sms, "delivered").status_code == 204  # Twilio retried it
    assert callback(client, sent_sms, "sent").status_code == 204  # late, out of order
    assert states(sent_sms) == ("delivered", "delivered")


def test_a_forged_or_unsigned_callback_is_refused(client, sent_sms):
    assert callback(client, sent_sms, "failed", signature="forged").status_code == 403
    assert client.post(STATUS_PATH, {"MessageSid": sent_sms.sms.sid}).status_code == 403
    assert states(sent_sms) == ("sent", "sent")


def test_an_unknown_number_is_marked_and_the_invitation_fails_over_to_email(client, sent_sms):
    assert callback(client, sent_sms, "undelivered", error_code=30005).status_code == 204
    assert states(sent_sms)[1] == "failed"
    with organization_scope(sent_sms.org):
        assert AddressOptOut.objects.get(channel="sms").source == "undeliverable"
        follower = Invitation.objects.get(follows_id=sent_sms.invitation_id)
    assert (follower.channel, follower.state) == ("email", "scheduled")


def test_carrier_filtering_tells_the_admins(client, sent_sms, admin_a):
    callback(client, sent_sms, "undelivered", error_code=30007)
    [notice] = mail.outbox
    assert notice.to == [admin_a.email]
    assert "+15005550006" in notice.body


def test_a_callback_for_an_unknown_message_is_accepted_and_ignored(client, sent_sms):
    sent_sms.sms.sid = "SM" + "0" * 32
    assert callback(client, sent_sms, "delivered").status_code == 204
    assert states(sent_sms) == ("sent", "sent")


@pytest.mark.django_db(transaction=True)
def test_the_fake_twilio_calls_our_live_webhook(
    api,
    hot_rule,  # noqa: F811
    clock,  # noqa: F811
    fake_twilio,
    live_server,
    settings,
    monkeypatch,  # noqa: F811
):
    settings.PUBLIC_BASE_URL = live_server.url
    monkeypatch.setattr(tasks, "dispatch_due_invitations", SimpleNamespace(delay=lambda: None))
    [pk] = post(api, event())
    dispatch.dispatch_due()
    [sms] = fake_twilio.messages
    assert fake_twilio.deliver(sms.sid) == 204
    with organization_scope(hot_rule.organization):
        assert Invitation.objects.get(pk=pk).state == "delivered"


# --- Email: a real anymail ESP backend, the fake ESP, and its tracking webhook ---------------


@pytest.fixture
def sent_email(api, org_a, shared_sender, clock, fake_esp, settings):  # noqa: F811
    from .test_dispatch import listen

    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": WEBHOOK_SECRET}
    listen(org_a, channels=("email",))
    [pk] = post(api, event())
    dispatch.dispatch_due()
    [email] = fake_esp.emails
    return SimpleNamespace(email=email, invitation_id=pk, org=org_a)


def track(client, payload, secret=WEBHOOK_SECRET):
    auth = base64.b64encode(secret.encode()).decode()
    return client.post(
        reverse("webhooks:anymail:postmark_tracking_webhook"),
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


def test_emails_are_plain_text_with_one_click_unsubscribe(sent_email):
    payload = sent_email.email
    with organization_scope(sent_email.org):
        invitation = Invitation.objects.get(pk=sent_email.invitation_id)
    assert payload["To"] == "customer1@example.test"
    assert "HtmlBody" not in payload or not payload["HtmlBody"]
    assert f"/s/{invitation.token}/" in payload["TextBody"]
    headers = {h["Name"]: h["Value"] for h in payload["Headers"]}
    assert headers["List-Unsubscribe"] == f"<http://testserver/u/{invitation.token}/>" or (
        f"/u/{invitation.token}/" in headers["List-Unsubscribe"]
    )
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert payload["Metadata"] == {"invitation": invitation.token}


def test_delivery_and_hard_bounce_come_back_through_the_tracking_webhook(client, sent_email):
    message_id = Message.objects.unscoped().get().provider_id
    delivered = postmark_event(
        "Delivery",
        message_id=message_id,
        recipient="customer1@example.test",
        metadata={"invitation": "x"},
    )
    assert track(client, delivered).status_code == 200
    assert Message.objects.unscoped().get().status == "delivered"
    bounced = postmark_event(
        "Bounce", message_id=message_id, recipient="customer1@example.test", metadata={}
    )
    assert track(client, bounced).status_code == 200
    with organization_scope(sent_email.org):
        assert AddressOptOut.objects.get(channel="email").source == "bounce"


def test_a_tracking_call_without_the_secret_is_refused(client, sent_email):
    message_id = Message.objects.unscoped().get().provider_id
    delivered = postmark_event(
        "Delivery", message_id=message_id, recipient="customer1@example.test", metadata={}
    )
    assert track(client, delivered, secret="hook:wrong").status_code in (400, 401, 403)
    assert Message.objects.unscoped().get().status == "sent"


def test_without_a_webhook_secret_every_email_event_is_refused(client, sent_email, settings):
    """Anymail alone would accept anyone's events when no secret is set."""
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": ""}
    message_id = Message.objects.unscoped().get().provider_id
    bounced = postmark_event(
        "Bounce", message_id=message_id, recipient="customer1@example.test", metadata={}
    )
    answer = track(client, bounced, secret="anyone:anything")
    assert answer.status_code == 403
    assert "ANYMAIL_WEBHOOK_SECRET" in answer.content.decode()
    assert Message.objects.unscoped().get().status == "sent"
    with organization_scope(sent_email.org):
        assert not AddressOptOut.objects.exists()


def test_an_answer_lost_after_twilio_took_the_message_is_never_sent_again(
    api,
    hot_rule,  # noqa: F811
    clock,  # noqa: F811
    fake_twilio,
):
    [pk] = post(api, event())
    fake_twilio.drop_next(accepted=True)  # Twilio took it; the connection died before the answer
    result = dispatch.dispatch_due()
    assert result.counts["uncertain"] == 1 and result.retries == []
    dispatch.dispatch_due()
    assert len(fake_twilio.messages) == 1
    with organization_scope(hot_rule.organization):
        assert Invitation.objects.get(pk=pk).state == "uncertain"
