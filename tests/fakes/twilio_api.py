"""A local fake of Twilio's Messages API, for the real ``twilio`` SDK to talk to.

    fake = FakeTwilio()                       # or the ``fake_twilio`` fixture (fixtures.py)
    fake.url, fake.credentials                # point TWILIO_API_BASE_URL and the SDK here
    fake.fail_next(status=400, code=21211)    # the next API call fails like Twilio would
    fake.fail_for("+33600000000", code=21610) # every send to that number fails
    fake.drop_next(accepted=True)             # take the message, then hang up without answering
    fake.messages                             # what was accepted, in order (FakeSms)
    fake.deliver(sid, "delivered")            # POST the signed status callback, like Twilio
    fake.status_callback(sid, "failed", error_code=30003)  # the same, for Django's test client

Requests need HTTP basic auth with a known account (``add_account`` for more than one); others
get Twilio's 401 (error 20003).
"""

import base64
import re
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs

import requests
from twilio.request_validator import RequestValidator

from tests.fakes.server import DROP, LocalApi, Reply, Request
from vocapp.messaging.gsm7 import segments
from vocapp.messaging.sms import TwilioCredentials

API_VERSION = "2010-04-01"
MESSAGES = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>AC\w+)/Messages\.json$")
MESSAGE = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>AC\w+)/Messages/(?P<sid>SM\w+)\.json$")
ACCEPT_AND_DROP = object()  # a scripted step: record the message, then hang up
ACCEPT_AND_HOLD = object()  # record it, then keep the caller waiting until released
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
ERROR_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    21211: "Invalid 'To' Phone Number",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    20500: "An internal server error has occurred",
}


@dataclass
class FakeSms:
    sid: str
    account_sid: str
    to: str
    sender: str
    body: str
    status_callback: str
    status: str = "queued"
    error_code: int | None = None

    @property
    def num_segments(self) -> int:
        return segments(self.body)


@dataclass(frozen=True)
class Callback:
    """A status callback as Twilio would POST it: url, form fields and the signature header."""

    url: str
    params: dict
    signature: str

    @property
    def headers(self) -> dict:
        return {"X-Twilio-Signature": self.signature}


@dataclass
class _Failure:
    status: int
    code: int
    message: str
    retry_after: float | None


class FakeTwilio(LocalApi):
    def __init__(self, account_sid: str | None = None, auth_token: str | None = None):
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.accounts = {self.account_sid: self.auth_token}
        self.messages: list[FakeSms] = []
        self.requests: list[Request] = []
        self._next: list[_Failure | object] = []
        self._by_number: dict[str, _Failure] = {}
        self.holding = threading.Event()
        self._release = threading.Event()
        super().__init__()

    @property
    def credentials(self) -> TwilioCredentials:
        return TwilioCredentials(self.account_sid, self.auth_token)

    def add_account(self, account_sid: str | None = None, auth_token: str | None = None):
        """Another account the fake accepts (an organization's own); returns its credentials."""
        credentials = TwilioCredentials(
            account_sid or "AC" + secrets.token_hex(16), auth_token or secrets.token_hex(16)
        )
        with self._lock:
            self.accounts[credentials.account_sid] = credentials.auth_token
        return credentials

    # --- Scripting -------------------------------------------------------------------------------

    def fail_next(self, *, status=400, code=21211, message=None, retry_after=None, times=1):
        """The next ``times`` authenticated API calls fail with this Twilio error."""
        failure = _Failure(status, code, message or ERROR_MESSAGES.get(code, "Error"), retry_after)
        with self._lock:
            self._next.extend([failure] * times)

    def fail_for(self, number: str, *, status=400, code=21610, message=None):
        """Every message to ``number`` fails (an unsubscribed or unreachable recipient)."""
        with self._lock:
            self._by_number[number] = _Failure(
                status, code, message or ERROR_MESSAGES.get(code, "Error"), None
            )

    def drop_next(self, *, accepted=False):
        """The next send gets no answer: the connection closes. With ``accepted`` the message is
        recorded first (Twilio took it; the answer was lost)."""
        with self._lock:
            self._next.append(ACCEPT_AND_DROP if accepted else DROP)

    def hold_next(self):
        """The next send is taken and then left unanswered until ``release()``: the caller is
        in the middle of the provider call (``holding`` is set) for as long as a test needs."""
        with self._lock:
            self._next.append(ACCEPT_AND_HOLD)

    def release(self):
        self._release.set()

    def close(self):
        self.release()  # a held caller must not keep the server from stopping
        super().close()

    def reset(self):
        with self._lock:
            self.messages.clear()
            self.requests.clear()
            self._next.clear()
            self._by_number.clear()

    # --- Looking -------------------------------------------------------------------------------

    def message(self, sid: str) -> FakeSms:
        with self._lock:
            return next(sms for sms in self.messages if sms.sid == sid)

    def sent_to(self, number: str) -> list[FakeSms]:
        with self._lock:
            return [sms for sms in self.messages if sms.to == number]

    # --- Status callbacks ----------------------------------------------------------------------

    def status_callback(self, sid: str, status="delivered", error_code=None) -> Callback:
        """Move the message to ``status`` and build the callback Twilio would send for it."""
        with self._lock:
            sms = self.message(sid)
            sms.status, sms.error_code = status, error_code
        params = {
            "AccountSid": sms.account_sid,
            "ApiVersion": API_VERSION,
            "From": sms.sender,
            "MessageSid": sms.sid,
            "MessageStatus": status,
            "SmsSid": sms.sid,
            "SmsStatus": status,
            "To": sms.to,
        }
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        token = self.accounts[sms.account_sid]
        signature = RequestValidator(token).compute_signature(sms.status_callback, params)
        return Callback(url=sms.status_callback, params=params, signature=signature)

    def deliver(self, sid: str, status="delivered", error_code=None) -> int:
        """POST the signed status callback to the message's StatusCallback URL (a live server);
        returns the HTTP status it answered."""
        callback = self.status_callback(sid, status, error_code)
        response = requests.post(
            callback.url, data=callback.params, headers=callback.headers, timeout=10
        )
        return response.status_code

    # --- The API -------------------------------------------------------------------------------

    def handle(self, request: Request):
        with self._lock:
            self.requests.append(request)
        account = self._authenticate(request)
        if account is None:
            return _error(401, 20003, "Authenticate")
        send = MESSAGES.match(request.path)
        fetch = MESSAGE.match(request.path.split("?", 1)[0])
        if send and send["account"] == account and request.method == "POST":
            scripted = self._scripted()
            if scripted in (ACCEPT_AND_DROP, ACCEPT_AND_HOLD):
                self._create(account, _form(request.body))
                if scripted is ACCEPT_AND_HOLD:
                    self.holding.set()
                    self._release.wait(60)
                return DROP
            return scripted or self._create(account, _form(request.body))
        if fetch and fetch["account"] == account and request.method == "GET":
            scripted = self._scripted()
            return (
                DROP
                if scripted is ACCEPT_AND_DROP
                else scripted or self._fetch(account, fetch["sid"])
            )
        return _error(404, 20404, f"The requested resource {request.path} was not found")

    def _authenticate(self, request: Request) -> str | None:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            sid, _, token = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return None
        with self._lock:
            known = self.accounts.get(sid)
        return sid if known is not None and secrets.compare_digest(known, token) else None

    def _scripted(self):
        with self._lock:
            if not self._next:
                return None
            step = self._next.pop(0)
        if step in (DROP, ACCEPT_AND_DROP, ACCEPT_AND_HOLD):
            return step
        headers = {"Retry-After": str(step.retry_after)} if step.retry_after is not None else {}
        return _error(step.status, step.code, step.message, headers)

    def _create(self, account: str, form: dict):
        to = form.get("To", "")
        if not to:
            return _error(400, 21604, ERROR_MESSAGES[21604])
        if not E164.match(to):
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        with self._lock:
            failure = self._by_number.get(to)
        if failure is not None:
            return _error(failure.status, failure.code, failure.message)
        sms = FakeSms(
            sid="SM" + secrets.token_hex(16),
            account_sid=account,
            to=to,
            sender=form.get("From", ""),
            body=form.get("Body", ""),
            status_callback=form.get("StatusCallback", ""),
        )
        with self._lock:
            self.messages.append(sms)
        return Reply.json(201, _resource(sms))

    def _fetch(self, account: str, sid: str):
        with self._lock:
            found = [sms for sms in self.messages if sms.sid == sid and sms.account_sid == account]
        if not found:
            return _error(404, 20404, f"The requested resource /Messages/{sid}.json was not found")
        return Reply.json(200, _resource(found[0]))


def _form(body: bytes) -> dict:
    return {name: values[0] for name, values in parse_qs(body.decode()).items()}


def _error(status: int, code: int, message: str, headers: dict | None = None) -> Reply:
    payload = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Reply.json(status, payload, headers)


def _resource(sms: FakeSms) -> dict:
    return {
        "sid": sms.sid,
        "account_sid": sms.account_sid,
        "api_version": API_VERSION,
        "to": sms.to,
        "from": sms.sender,
        "body": sms.body,
        "status": sms.status,
        "num_segments": str(sms.num_segments),
        "num_media": "0",
        "direction": "outbound-api",
        "error_code": sms.error_code,
        "error_message": None,
        "price": None,
        "price_unit": "USD",
        "uri": f"/{API_VERSION}/Accounts/{sms.account_sid}/Messages/{sms.sid}.json",
    }
