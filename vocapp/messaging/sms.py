"""SMS transports: Twilio for real, the console in development, a list in memory for tests.

Every backend takes an ``SmsMessage`` and answers an ``SmsSent`` or raises ``TransportError``;
``settings.SMS_BACKEND`` names the one in use (``get_sms_backend``).
"""

import itertools
import logging
import sys
import threading
import uuid
from dataclasses import dataclass

import requests
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .errors import TransportError
from .gsm7 import segments

logger = logging.getLogger(__name__)

TWILIO_API_ORIGIN = "https://api.twilio.com"
TWILIO_TIMEOUT_SECONDS = 15
# Twilio error codes that are about the recipient: retrying cannot help.
# 21211 invalid 'To' number, 21610 the recipient replied STOP, 21614 not a mobile number.
TWILIO_RECIPIENT_ERRORS = frozenset({21211, 21610, 21614})


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str
    auth_token: str

    def __repr__(self):
        # The token must not end up in logs or tracebacks.
        return f"TwilioCredentials(account_sid={self.account_sid!r})"


@dataclass(frozen=True)
class SmsMessage:
    to: str
    sender: str
    body: str
    credentials: TwilioCredentials | None = None  # None: the platform's (platform_credentials)
    status_callback: str | None = None


@dataclass(frozen=True)
class SmsSent:
    provider_id: str
    status: str
    segments: int


class SmsBackend:
    def send(self, message: SmsMessage) -> SmsSent:
        raise NotImplementedError

    def fetch_status(self, provider_id: str, credentials: TwilioCredentials | None) -> str | None:
        """The provider's current status of a message ("queued", "sent", "delivered", "failed",
        "undelivered", ...), or None when the provider cannot tell or has no such message."""
        raise NotImplementedError


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def platform_credentials() -> TwilioCredentials | None:
    sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    if sid and token:
        return TwilioCredentials(account_sid=sid, auth_token=token)
    return None


# --- Tests --------------------------------------------------------------------------------------

outbox: list[SmsMessage] = []
_locmem_ids = itertools.count(1)
_locmem_sent: set[str] = set()
_locmem_lock = threading.Lock()


class LocMemBackend(SmsBackend):
    """Appends to ``outbox``; ids stay unique when a test clears the outbox."""

    def send(self, message: SmsMessage) -> SmsSent:
        with _locmem_lock:
            provider_id = f"locmem-{next(_locmem_ids)}"
            _locmem_sent.add(provider_id)
            outbox.append(message)
        return SmsSent(provider_id=provider_id, status="sent", segments=segments(message.body))

    def fetch_status(self, provider_id: str, credentials: TwilioCredentials | None) -> str | None:
        return "sent" if provider_id in _locmem_sent else None


# --- Development --------------------------------------------------------------------------------


class ConsoleBackend(SmsBackend):
    """Prints the message, like Django's console email backend."""

    def send(self, message: SmsMessage) -> SmsSent:
        provider_id = f"console-{uuid.uuid4().hex}"
        count = segments(message.body)
        sys.stdout.write(
            f"SMS {provider_id} from {message.sender} to {message.to} ({count} segment(s)):\n"
            f"{message.body}\n{'-' * 79}\n"
        )
        sys.stdout.flush()
        return SmsSent(provider_id=provider_id, status="sent", segments=count)

    def fetch_status(self, provider_id: str, credentials: TwilioCredentials | None) -> str | None:
        # The console "sends" every message it accepts, in whichever process asks.
        return "sent" if provider_id.startswith("console-") else None


# --- Twilio -------------------------------------------------------------------------------------


class _RoutedHttpClient(TwilioHttpClient):
    """The SDK's HTTP client, pointed at ``settings.TWILIO_API_BASE_URL`` (a local fake in tests)
    and keeping the last response, whose Retry-After header the SDK's exception drops."""

    def __init__(self, base_url: str):
        super().__init__(timeout=TWILIO_TIMEOUT_SECONDS)
        self.base_url = base_url.rstrip("/")
        self.last_response = None

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API_ORIGIN):
            url = self.base_url + url[len(TWILIO_API_ORIGIN) :]
        self.last_response = None
        self.last_response = super().request(method, url, *args, **kwargs)
        return self.last_response


_twilio_clients = threading.local()


class TwilioBackend(SmsBackend):
    """The real SDK. Each thread keeps one client per account and API address, so that its
    HTTP session keeps its connection to Twilio alive from one message to the next."""

    def send(self, message: SmsMessage) -> SmsSent:
        client, http = self._client(message.credentials)
        try:
            sent = client.messages.create(
                to=message.to,
                from_=message.sender,
                body=message.body,
                status_callback=message.status_callback or None,
            )
        except (TwilioException, requests.RequestException) as error:
            raise _transport_error(error, http) from error
        count = int(sent.num_segments) if sent.num_segments else segments(message.body)
        return SmsSent(provider_id=sent.sid, status=sent.status, segments=count)

    def fetch_status(self, provider_id: str, credentials: TwilioCredentials | None) -> str | None:
        try:
            client, _http = self._client(credentials)
            return client.messages(provider_id).fetch().status
        except TransportError as error:
            logger.warning("no Twilio status for %s: %s", provider_id, error.detail)
        except (TwilioException, requests.RequestException) as error:
            # A 404 (no such message) and an outage both leave the caller not knowing.
            logger.warning("no Twilio status for %s: %s", provider_id, type(error).__name__)
        return None

    def _client(self, credentials: TwilioCredentials | None) -> tuple[Client, _RoutedHttpClient]:
        credentials = credentials or platform_credentials()
        if credentials is None:
            raise TransportError(
                _("No Twilio account is configured for this sender."),
                permanent=True,
                code="no_credentials",
            )
        # Per thread: the last response an HTTP client keeps belongs to its thread's call.
        clients = _twilio_clients.__dict__.setdefault("by_account", {})
        key = (credentials.account_sid, credentials.auth_token, settings.TWILIO_API_BASE_URL)
        if key not in clients:
            http = _RoutedHttpClient(settings.TWILIO_API_BASE_URL)
            client = Client(credentials.account_sid, credentials.auth_token, http_client=http)
            clients[key] = (client, http)
        return clients[key]


def _transport_error(error: Exception, http: _RoutedHttpClient) -> TransportError:
    if isinstance(error, requests.RequestException):
        return TransportError(
            _("Twilio could not be reached: %(error)s") % {"error": type(error).__name__},
            permanent=False,
            code="timeout" if isinstance(error, requests.Timeout) else "connection",
        )
    if not isinstance(error, TwilioRestException):
        return TransportError(str(error), permanent=True, code="twilio")
    status, code = error.status, error.code
    detail = _("Twilio refused the message (error %(code)s): %(message)s") % {
        "code": code or status,
        "message": _twilio_message(error),
    }
    transient = status == 429 or status >= 500
    if code in TWILIO_RECIPIENT_ERRORS or not transient:
        return TransportError(detail, permanent=True, code=str(code or status))
    return TransportError(
        detail,
        permanent=False,
        code=str(code or status),
        retry_after=_retry_after(http.last_response),
    )


def _twilio_message(error: TwilioRestException) -> str:
    # The SDK prefixes its own "Unable to create record: "; keep the part Twilio wrote.
    return str(error.msg).split(": ", 1)[-1]


def _retry_after(response) -> float | None:
    if response is None:
        return None
    value = (response.headers or {}).get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare enough for the caller's own backoff to decide
