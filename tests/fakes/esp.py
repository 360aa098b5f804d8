"""A local fake of Postmark's email API, for anymail's real Postmark backend to send through.

    fake = FakePostmark()                     # or the ``fake_esp`` fixture (fixtures.py)
    fake.anymail_settings()                   # ANYMAIL = {...} pointing the backend here
    fake.fail_next(status=422, error_code=300)   # invalid 'To': anymail refuses the recipient
    fake.fail_next(status=500)                # Postmark is down
    fake.fail_for("gone@example.com")         # an inactive recipient (406), on every send
    fake.emails                               # the JSON payloads received, with their MessageID
    fake.tracking_event("Bounce", message_id) # Postmark's webhook payload for that email

Requests need the ``X-Postmark-Server-Token`` header with the fake's token (else 401, code 10).
"""

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from tests.fakes.server import DROP, LocalApi, Reply, Request

# Postmark's ErrorCode for the failures the tests script.
INVALID_REQUEST = 300
INACTIVE_RECIPIENT = 406
BAD_TOKEN = 10


@dataclass
class _Failure:
    status: int
    error_code: int
    message: str
    retry_after: float | None = None


class FakePostmark(LocalApi):
    def __init__(self, server_token: str | None = None):
        self.server_token = server_token or secrets.token_hex(16)
        self.emails: list[dict] = []
        self._next: list[_Failure | object] = []
        self._inactive: set[str] = set()
        super().__init__()

    def anymail_settings(self, base: dict | None = None) -> dict:
        """``ANYMAIL`` for ``anymail.backends.postmark.EmailBackend`` to send here (``base``
        keeps the other keys, e.g. the webhook secret)."""
        return {
            **(base or {}),
            "POSTMARK_SERVER_TOKEN": self.server_token,
            "POSTMARK_API_URL": self.url + "/",
        }

    # --- Scripting -------------------------------------------------------------------------------

    def fail_next(self, *, status=500, error_code=None, message=None, retry_after=None, times=1):
        """The next ``times`` sends fail. 422 with error_code 300 is an invalid 'To' address and
        406 an inactive recipient (anymail raises AnymailRecipientsRefused for both); other
        statuses are API errors (``retry_after`` adds the Retry-After header)."""
        failure = _Failure(status, error_code or 0, message or "", retry_after)
        with self._lock:
            self._next.extend([failure] * times)

    def fail_for(self, address: str):
        """Postmark answers 406 (inactive recipient) for every send to ``address``."""
        with self._lock:
            self._inactive.add(address.lower())

    def drop_next(self):
        """The next send gets no answer: the connection closes."""
        with self._lock:
            self._next.append(DROP)

    def reset(self):
        with self._lock:
            self.emails.clear()
            self._next.clear()
            self._inactive.clear()

    # --- Looking ---------------------------------------------------------------------------------

    def email(self, message_id: str) -> dict:
        with self._lock:
            return next(email for email in self.emails if email["MessageID"] == message_id)

    def headers_of(self, message_id: str) -> dict:
        """The custom headers of a received email, as a dict."""
        return {item["Name"]: item["Value"] for item in self.email(message_id).get("Headers", [])}

    # --- Webhooks ------------------------------------------------------------------------------

    def tracking_event(self, record_type: str, message_id: str, **fields) -> dict:
        """Postmark's tracking webhook payload for a received email: "Delivery", "Bounce"
        (``Type`` "HardBounce" unless given), "SpamComplaint" or "SubscriptionChange"
        (``SuppressionReason`` "ManualSuppression" unless given). It carries the email's
        metadata back; ``fields`` override any key."""
        email = self.email(message_id)
        return postmark_event(
            record_type,
            message_id=message_id,
            recipient=email["To"],
            metadata=email.get("Metadata", {}),
            subject=email.get("Subject", ""),
            **fields,
        )

    # --- The API -------------------------------------------------------------------------------

    def handle(self, request: Request):
        if request.headers.get("x-postmark-server-token") != self.server_token:
            return _error(401, BAD_TOKEN, "Request does not contain a valid Server token.")
        if request.method != "POST" or request.path.rstrip("/") != "/email":
            return Reply(404, b"Not Found", {"Content-Type": "text/plain"})
        payload = json.loads(request.body)
        with self._lock:
            step = self._next.pop(0) if self._next else None
        if step is DROP:
            return DROP
        if step is not None:
            return self._failure(step, payload)
        if payload.get("To", "").lower() in self._inactive:
            return self._failure(_Failure(422, INACTIVE_RECIPIENT, ""), payload)
        return self._accept(payload)

    def _accept(self, payload: dict) -> Reply:
        message_id = str(uuid.uuid4())
        with self._lock:
            self.emails.append({**payload, "MessageID": message_id})
        return Reply.json(
            200,
            {
                "To": payload.get("To", ""),
                "SubmittedAt": _now(),
                "MessageID": message_id,
                "ErrorCode": 0,
                "Message": "OK",
            },
        )

    def _failure(self, failure: _Failure, payload: dict) -> Reply:
        to = payload.get("To", "")
        message = failure.message
        if not message and failure.error_code == INVALID_REQUEST:
            message = f"Invalid 'To' address: '{to}'."
        elif not message and failure.error_code == INACTIVE_RECIPIENT:
            # anymail reads the refused addresses from this exact wording.
            message = (
                "You tried to send to recipient(s) that have been marked as inactive.\n"
                f"Found inactive addresses: {to}.\n"
                "Inactive recipients are ones that have generated a hard bounce, a spam "
                "complaint, or a manual suppression. "
            )
        elif not message:
            message = "Internal server error."
        headers = {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
        return _error(failure.status, failure.error_code, message, headers)


def postmark_event(
    record_type: str, *, message_id: str, recipient: str, metadata: dict, subject="", **fields
) -> dict:
    """A Postmark tracking webhook payload, shaped like Postmark's own examples."""
    common = {
        "RecordType": record_type,
        "MessageStream": "outbound",
        "MessageID": message_id,
        "ServerID": 23,
        "Tag": "",
        "Metadata": metadata,
    }
    if record_type == "Delivery":
        event = {"Recipient": recipient, "DeliveredAt": _now(), "Details": "smtp;250 2.0.0 OK"}
    elif record_type in ("Bounce", "SpamComplaint"):
        kind = "HardBounce" if record_type == "Bounce" else "SpamComplaint"
        event = {
            "ID": secrets.randbelow(10**12),
            "Type": kind,
            "TypeCode": 1 if kind == "HardBounce" else 512,
            "Name": "Hard bounce" if kind == "HardBounce" else "Spam complaint",
            "Description": "The server was unable to deliver your message.",
            "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
            "Email": recipient,
            "From": "surveys@example.com",
            "BouncedAt": _now(),
            "Inactive": True,
            "CanActivate": kind == "HardBounce",
            "Subject": subject,
        }
    elif record_type == "SubscriptionChange":
        event = {
            "Recipient": recipient,
            "ChangedAt": _now(),
            "Origin": "Recipient",
            "SuppressSending": True,
            "SuppressionReason": "ManualSuppression",
        }
    else:
        raise ValueError(f"no fake for Postmark record type {record_type!r}")
    return {**common, **event, **fields}


def _error(status: int, error_code: int, message: str, headers: dict | None = None) -> Reply:
    return Reply.json(status, {"ErrorCode": error_code, "Message": message}, headers)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
