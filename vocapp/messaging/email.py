"""Email through Django's mail API (an anymail ESP in production) with errors mapped for retries.

``TransportError.code`` says what went wrong: ``recipients_refused`` (the ESP will not deliver
to that address: invalid, bounced or complained), an HTTP status from the ESP's API, an SMTP
reply code, or ``connection``.
"""

import smtplib
from dataclasses import dataclass, field
from email.utils import make_msgid

import requests
from anymail.backends.base import AnymailBaseBackend
from anymail.exceptions import (
    AnymailAPIError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
)
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.utils import DNS_NAME
from django.utils.translation import gettext as _

from .errors import TransportError


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str | None = None
    from_email: str | None = None
    reply_to: tuple[str, ...] = ()
    headers: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)  # comes back on the ESP's tracking events


def unsubscribe_headers(url: str) -> dict:
    """One-click unsubscribe (RFC 8058), which large mailbox providers require of bulk senders."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def send_email(email: OutgoingEmail) -> str:
    """Send one email and return the provider's message id (the one its tracking events carry)."""
    connection = get_connection()
    esp = isinstance(connection, AnymailBaseBackend)
    message = _build_message(email, connection)
    if not esp:
        # Without an ESP there is no provider id: our own Message-ID stands in for it.
        message.extra_headers["Message-ID"] = make_msgid(domain=DNS_NAME)
    try:
        message.send()
    except Exception as error:
        mapped = _transport_error(error)
        if mapped is None:
            raise
        raise mapped from error
    if esp:
        return _esp_message_id(message)
    return message.extra_headers["Message-ID"]


def _build_message(email: OutgoingEmail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=email.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        reply_to=list(email.reply_to),
        headers=dict(email.headers),
        connection=connection,
    )
    if email.html is not None:
        message.attach_alternative(email.html, "text/html")
    if email.metadata:
        message.metadata = dict(email.metadata)  # anymail's extension; other backends ignore it
    return message


def _esp_message_id(message) -> str:
    message_id = message.anymail_status.message_id
    if isinstance(message_id, set):  # one id per recipient; we send to one recipient
        message_id = next(iter(sorted(message_id)), None)
    return "" if message_id is None else str(message_id)


def _transport_error(error: Exception) -> TransportError | None:
    """The TransportError for a sending failure, or None for a bug that must surface as is."""
    if isinstance(error, AnymailRecipientsRefused | AnymailInvalidAddress):
        return TransportError(
            _("The email provider refused the address: %(error)s") % {"error": error},
            permanent=True,
            code="recipients_refused",
        )
    if isinstance(error, AnymailAPIError):
        return _api_error(error)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return TransportError(
            _("The mail server refused the address."), permanent=True, code="recipients_refused"
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return TransportError(
            _("The mail server answered %(code)s.") % {"code": error.smtp_code},
            permanent=500 <= error.smtp_code < 600,
            code=str(error.smtp_code),
        )
    if isinstance(error, smtplib.SMTPException | OSError):
        return _unreachable()
    return None


def _api_error(error: AnymailAPIError) -> TransportError:
    status = error.status_code
    if status is None:
        # No answer at all (connection refused, timeout): anymail wraps requests' exception.
        return _unreachable()
    detail = _("The email provider answered %(status)s: %(error)s") % {
        "status": status,
        "error": _esp_message(error.response),
    }
    if status == 429 or status >= 500:
        return TransportError(
            detail,
            permanent=False,
            code=str(status),
            retry_after=_retry_after(getattr(error, "response", None)),
        )
    return TransportError(detail, permanent=True, code=str(status))


def _unreachable() -> TransportError:
    return TransportError(
        _("The email provider could not be reached."), permanent=False, code="connection"
    )


def _esp_message(response: requests.Response | None) -> str:
    """The ESP's own one-line explanation (Postmark's "Message", most others' "message")."""
    try:
        body = response.json()
        return str(body.get("Message") or body.get("message") or response.reason)
    except (AttributeError, ValueError):
        return getattr(response, "reason", "") or ""


def _retry_after(response: requests.Response | None) -> float | None:
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None
