import smtplib

import pytest
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from vocapp.messaging.email import OutgoingEmail, send_email, unsubscribe_headers
from vocapp.messaging.errors import TransportError

UNSUBSCRIBE = "https://voc.example.com/u/0123456789abcdef/"


def outgoing(**overrides):
    fields = {
        "to": "marie@example.com",
        "subject": "Alpha Shop: how did it go?",
        "text": "Hello Marie,\n\nhttps://voc.example.com/s/abc/\n",
        "from_email": "Alpha Shop <surveys@alpha.example>",
        "reply_to": ("care@alpha.example",),
        "headers": unsubscribe_headers(UNSUBSCRIBE),
        "metadata": {"invitation": "tok123"},
    }
    return OutgoingEmail(**{**fields, **overrides})


def send_error(email) -> TransportError:
    with pytest.raises(TransportError) as raised:
        send_email(email)
    return raised.value


def test_unsubscribe_headers_follow_rfc_8058():
    assert unsubscribe_headers(UNSUBSCRIBE) == {
        "List-Unsubscribe": f"<{UNSUBSCRIBE}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_it_sends_plain_text_with_django_backends(mailoutbox):
    message_id = send_email(outgoing())

    [sent] = mailoutbox
    assert sent.to == ["marie@example.com"]
    assert sent.body.startswith("Hello Marie,")
    assert sent.alternatives == []
    assert sent.reply_to == ["care@alpha.example"]
    built = sent.message()
    assert built["Message-ID"] == message_id
    assert built["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert built["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_it_adds_the_html_alternative_on_request(mailoutbox):
    send_email(outgoing(html="<p>Hello</p>"))

    assert mailoutbox[0].alternatives[0][:2] == ("<p>Hello</p>", "text/html")


def test_it_sends_from_the_default_address_when_none_is_given(mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "surveys@platform.example"

    send_email(outgoing(from_email=None))

    assert mailoutbox[0].from_email == "surveys@platform.example"


def test_each_email_gets_its_own_message_id(mailoutbox):
    assert send_email(outgoing()) != send_email(outgoing())


def test_it_returns_the_esp_message_id_with_anymail(settings, mailoutbox):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"

    message_id = send_email(outgoing())

    assert message_id == str(mail.outbox[0].anymail_status.message_id)
    assert mail.outbox[0].metadata == {"invitation": "tok123"}


def test_it_sends_through_anymails_postmark_backend(fake_esp):
    message_id = send_email(outgoing())

    [payload] = fake_esp.emails
    assert message_id == payload["MessageID"]
    assert payload["To"] == "marie@example.com"
    assert payload["From"] == "Alpha Shop <surveys@alpha.example>"
    assert payload["ReplyTo"] == "care@alpha.example"
    assert payload["Subject"] == "Alpha Shop: how did it go?"
    assert payload["TextBody"] == "Hello Marie,\n\nhttps://voc.example.com/s/abc/\n"
    assert "HtmlBody" not in payload
    assert payload["Metadata"] == {"invitation": "tok123"}
    assert fake_esp.headers_of(message_id) == {
        "List-Unsubscribe": f"<{UNSUBSCRIBE}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_it_sends_the_html_body_to_the_esp_on_request(fake_esp):
    message_id = send_email(outgoing(html="<p>Hello</p>"))

    payload = fake_esp.email(message_id)
    assert payload["HtmlBody"] == "<p>Hello</p>"
    assert payload["TextBody"].startswith("Hello Marie,")


@pytest.mark.parametrize("error_code", [300, 406])
def test_a_refused_recipient_is_permanent(fake_esp, error_code):
    fake_esp.fail_next(status=422, error_code=error_code)

    error = send_error(outgoing())

    assert error.permanent
    assert error.code == "recipients_refused"
    assert fake_esp.emails == []


def test_an_inactive_address_is_refused_on_every_send(fake_esp):
    fake_esp.fail_for("gone@example.com")

    assert send_error(outgoing(to="gone@example.com")).code == "recipients_refused"
    assert send_error(outgoing(to="gone@example.com")).permanent
    assert send_email(outgoing(to="marie@example.com"))


def test_an_invalid_request_other_than_the_recipient_is_permanent(fake_esp):
    fake_esp.fail_next(status=422, error_code=300, message="Invalid 'From' address: 'x'.")

    error = send_error(outgoing())

    assert error.permanent
    assert error.code == "422"
    assert "Invalid 'From' address" in error.detail


@pytest.mark.parametrize("status", [500, 503])
def test_an_esp_outage_is_transient(fake_esp, status):
    fake_esp.fail_next(status=status)

    error = send_error(outgoing())

    assert not error.permanent
    assert error.code == str(status)


def test_an_esp_rate_limit_is_transient_with_its_retry_after(fake_esp):
    fake_esp.fail_next(status=429, retry_after=12)

    error = send_error(outgoing())

    assert not error.permanent
    assert error.retry_after == 12.0


def test_a_wrong_server_token_is_permanent(fake_esp, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "POSTMARK_SERVER_TOKEN": "wrong"}

    error = send_error(outgoing())

    assert error.permanent
    assert error.code == "401"


def test_an_unreachable_esp_is_transient(fake_esp):
    fake_esp.drop_next()

    error = send_error(outgoing())

    assert not error.permanent
    assert error.code == "connection"


class RaisingBackend(BaseEmailBackend):
    error: Exception = OSError("down")

    def send_messages(self, email_messages):
        raise RaisingBackend.error


@pytest.mark.parametrize(
    ("error", "permanent", "code"),
    [
        (
            smtplib.SMTPRecipientsRefused({"marie@example.com": (550, b"no")}),
            True,
            "recipients_refused",
        ),
        (smtplib.SMTPDataError(554, b"rejected"), True, "554"),
        (smtplib.SMTPDataError(451, b"try later"), False, "451"),
        (smtplib.SMTPServerDisconnected("gone"), False, "connection"),
        (ConnectionRefusedError(), False, "connection"),
    ],
)
def test_smtp_errors_are_mapped(settings, error, permanent, code):
    settings.EMAIL_BACKEND = "tests.messaging.test_email.RaisingBackend"
    RaisingBackend.error = error

    mapped = send_error(outgoing())

    assert (mapped.permanent, mapped.code) == (permanent, code)


def test_programming_errors_are_not_disguised(settings):
    settings.EMAIL_BACKEND = "tests.messaging.test_email.RaisingBackend"
    RaisingBackend.error = KeyError("bug")

    with pytest.raises(KeyError):
        send_email(outgoing())


@pytest.mark.parametrize(
    ("record_type", "event_type", "reject_reason"),
    [
        ("Delivery", "delivered", None),
        ("Bounce", "bounced", "bounced"),
        ("SpamComplaint", "complained", "spam"),
        ("SubscriptionChange", "unsubscribed", "unsubscribed"),
    ],
)
def test_the_fake_esps_tracking_events_carry_the_metadata_back(
    fake_esp, settings, record_type, event_type, reject_reason
):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "postmark:secret"}
    message_id = send_email(outgoing())

    payload = fake_esp.tracking_event(record_type, message_id)
    event = PostmarkTrackingWebhookView().esp_to_anymail_event(payload)

    assert event.event_type == event_type
    assert event.reject_reason == reject_reason
    assert event.message_id == message_id
    assert event.recipient == "marie@example.com"
    assert event.metadata == {"invitation": "tok123"}
