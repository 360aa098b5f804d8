"""The real twilio SDK against the local fake Twilio API (tests/fakes/twilio_api.py)."""

import base64
import socket
from urllib.parse import parse_qs

import pytest
from twilio.request_validator import RequestValidator

from tests.fakes.server import LocalApi, Reply
from vocapp.messaging.errors import TransportError
from vocapp.messaging.sms import SmsMessage, TwilioBackend, TwilioCredentials, get_sms_backend

CALLBACK = "https://voc.example.com/webhooks/twilio/status/"


def message(to="+33612345678", body="Alpha Shop: rate us 0-10", **kwargs):
    return SmsMessage(to=to, sender="+15005550006", body=body, **kwargs)


def send_error(sms_message) -> TransportError:
    with pytest.raises(TransportError) as raised:
        TwilioBackend().send(sms_message)
    return raised.value


def test_it_sends_through_the_twilio_sdk(fake_twilio):
    sent = get_sms_backend().send(message(status_callback=CALLBACK))

    assert isinstance(get_sms_backend(), TwilioBackend)
    assert sent.provider_id.startswith("SM") and len(sent.provider_id) == 34
    assert sent.status == "queued"
    assert sent.segments == 1
    [received] = fake_twilio.messages
    assert received.sid == sent.provider_id
    assert (received.to, received.sender) == ("+33612345678", "+15005550006")
    assert received.body == "Alpha Shop: rate us 0-10"
    assert received.status_callback == CALLBACK
    assert received.account_sid == fake_twilio.account_sid


def test_it_posts_the_form_the_twilio_api_expects(fake_twilio):
    TwilioBackend().send(message(status_callback=CALLBACK))

    [request] = fake_twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    form = parse_qs(request.body.decode())
    assert form == {
        "To": ["+33612345678"],
        "From": ["+15005550006"],
        "Body": ["Alpha Shop: rate us 0-10"],
        "StatusCallback": [CALLBACK],
    }
    auth = base64.b64decode(request.headers["authorization"].split()[1]).decode()
    assert auth == f"{fake_twilio.account_sid}:{fake_twilio.auth_token}"


def test_it_leaves_out_a_missing_status_callback(fake_twilio):
    TwilioBackend().send(message())

    assert "StatusCallback" not in parse_qs(fake_twilio.requests[0].body.decode())


def test_it_sends_with_an_organizations_own_account(fake_twilio):
    own = fake_twilio.add_account()

    TwilioBackend().send(message(credentials=own))

    assert fake_twilio.messages[0].account_sid == own.account_sid


def test_it_reports_the_segments_twilio_counted(fake_twilio):
    sent = TwilioBackend().send(message(body="a" * 200))

    assert sent.segments == 2


def test_it_fetches_the_current_status(fake_twilio):
    backend = TwilioBackend()
    sent = backend.send(message(status_callback=CALLBACK))
    assert backend.fetch_status(sent.provider_id, None) == "queued"

    fake_twilio.status_callback(sent.provider_id, "delivered")

    assert backend.fetch_status(sent.provider_id, None) == "delivered"


def test_it_fetches_with_the_accounts_credentials(fake_twilio):
    own = fake_twilio.add_account()
    backend = TwilioBackend()
    sent = backend.send(message(credentials=own))

    assert backend.fetch_status(sent.provider_id, own) == "queued"
    # Under another account the message does not exist.
    assert backend.fetch_status(sent.provider_id, None) is None


def test_it_cannot_tell_the_status_of_an_unknown_message(fake_twilio):
    assert TwilioBackend().fetch_status("SM" + "0" * 32, None) is None


def test_it_cannot_tell_the_status_when_twilio_fails(fake_twilio):
    sent = TwilioBackend().send(message())
    fake_twilio.fail_next(status=500, code=20500)

    assert TwilioBackend().fetch_status(sent.provider_id, None) is None


def test_it_cannot_tell_the_status_without_credentials(fake_twilio, settings):
    settings.TWILIO_AUTH_TOKEN = ""

    assert TwilioBackend().fetch_status("SM" + "0" * 32, None) is None


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, 21211), (400, 21610), (400, 21614), (400, 21408), (403, 20003), (404, 20404)],
)
def test_recipient_and_request_errors_are_permanent(fake_twilio, status, code):
    fake_twilio.fail_next(status=status, code=code)

    error = send_error(message())

    assert error.permanent
    assert error.code == str(code)
    assert str(code) in error.detail
    assert fake_twilio.messages == []


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, 20503)])
def test_rate_limits_and_outages_are_transient(fake_twilio, status, code):
    fake_twilio.fail_next(status=status, code=code)

    error = send_error(message())

    assert not error.permanent
    assert error.code == str(code)
    assert error.retry_after is None


def test_it_passes_on_twilios_retry_after(fake_twilio):
    fake_twilio.fail_next(status=429, code=20429, retry_after=7)

    assert send_error(message()).retry_after == 7.0


def test_a_transient_failure_lets_the_next_attempt_through(fake_twilio):
    fake_twilio.fail_next(status=503, code=20503)
    send_error(message())

    sent = TwilioBackend().send(message())

    assert [sms.sid for sms in fake_twilio.messages] == [sent.provider_id]


def test_an_invalid_number_is_permanent(fake_twilio):
    error = send_error(message(to="0612345678"))

    assert error.permanent
    assert error.code == "21211"


def test_an_unsubscribed_recipient_is_permanent(fake_twilio):
    fake_twilio.fail_for("+33611111111", code=21610)
    TwilioBackend().send(message(to="+33622222222"))

    error = send_error(message(to="+33611111111"))

    assert error.permanent
    assert error.code == "21610"
    assert [sms.to for sms in fake_twilio.messages] == ["+33622222222"]


def test_wrong_credentials_are_permanent(fake_twilio):
    wrong = TwilioCredentials(fake_twilio.account_sid, "not-the-token")

    error = send_error(message(credentials=wrong))

    assert error.permanent
    assert error.code == "20003"
    assert fake_twilio.messages == []


def test_missing_credentials_are_permanent(fake_twilio, settings):
    settings.TWILIO_ACCOUNT_SID = ""

    error = send_error(message())

    assert error.permanent
    assert error.code == "no_credentials"
    assert fake_twilio.requests == []


def test_a_dropped_connection_is_transient(fake_twilio):
    fake_twilio.drop_next()

    error = send_error(message())

    assert not error.permanent
    assert error.code == "connection"
    assert fake_twilio.messages == []


def test_an_answer_lost_after_twilio_took_the_message_is_transient_too(fake_twilio):
    # The case the sweeper exists for: retrying blindly would send twice.
    fake_twilio.drop_next(accepted=True)

    error = send_error(message())

    assert not error.permanent
    assert len(fake_twilio.messages) == 1


def test_an_unreachable_twilio_is_transient(fake_twilio, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{port}"

    error = send_error(message())

    assert not error.permanent
    assert error.code == "connection"


class CallbackReceiver(LocalApi):
    def __init__(self):
        self.received = []
        super().__init__()

    def handle(self, request):
        self.received.append(request)
        return Reply(200)


def test_the_fake_posts_signed_status_callbacks(fake_twilio):
    with CallbackReceiver() as receiver:
        url = receiver.url + "/webhooks/twilio/status/"
        sent = TwilioBackend().send(message(status_callback=url))

        assert fake_twilio.deliver(sent.provider_id, "undelivered", error_code=30005) == 200

    [request] = receiver.received
    params = {name: values[0] for name, values in parse_qs(request.body.decode()).items()}
    assert params["MessageSid"] == sent.provider_id
    assert params["MessageStatus"] == "undelivered"
    assert params["ErrorCode"] == "30005"
    validator = RequestValidator(fake_twilio.auth_token)
    assert validator.validate(url, params, request.headers["x-twilio-signature"])
    assert not RequestValidator("other-token").validate(
        url, params, request.headers["x-twilio-signature"]
    )
    assert fake_twilio.message(sent.provider_id).status == "undelivered"


def test_status_callbacks_are_signed_with_the_sending_accounts_token(fake_twilio):
    own = fake_twilio.add_account()
    sent = TwilioBackend().send(message(credentials=own, status_callback=CALLBACK))

    callback = fake_twilio.status_callback(sent.provider_id, "delivered")

    assert "ErrorCode" not in callback.params
    assert RequestValidator(own.auth_token).validate(CALLBACK, callback.params, callback.signature)
    assert callback.headers == {"X-Twilio-Signature": callback.signature}
