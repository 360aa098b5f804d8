"""Webhooks in: Twilio's status callbacks and inbound SMS (signed), anymail's tracking events
(its secret).

Twilio signs the full URL it called: ours is PUBLIC_BASE_URL + the path, checked with the auth
token of the account named by AccountSid (the platform's own, or an organization's). Anything
unsigned or forged is a 403; a callback for a message we do not know is a 200 (Twilio would
otherwise retry it for nothing).
"""

import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from vocapp.messaging.sms import platform_credentials

from . import conversation
from .models import SenderNumber, TwilioAccount
from .provider_events import apply_email_event, apply_sms_status

logger = logging.getLogger(__name__)


def auth_token_for(account_sid: str) -> str | None:
    platform = platform_credentials()
    if platform is not None and account_sid == platform.account_sid:
        return platform.auth_token
    account = TwilioAccount.objects.unscoped().filter(account_sid=account_sid).first()
    return account.auth_token if account else None


def signed_by_twilio(request) -> bool:
    token = auth_token_for(request.POST.get("AccountSid", ""))
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST.dict(), signature)


@csrf_exempt
@require_POST
def twilio_status(request):
    if not signed_by_twilio(request):
        logger.warning("refused an unsigned or forged Twilio status callback")
        return HttpResponseForbidden("Invalid Twilio signature.", content_type="text/plain")
    apply_sms_status(
        request.POST.get("MessageSid", ""),
        request.POST.get("MessageStatus", ""),
        request.POST.get("ErrorCode", "") or "",
    )
    return HttpResponse(status=204)


def on_tracking(sender, event, esp_name, **kwargs):
    """anymail's ``tracking`` signal: its view has already checked the shared secret."""
    apply_email_event(event)


# --- Two-way SMS: what customers text back (surveys/conversation.py) -------------------------

# Twilio waits for TwiML; replies go through the API instead, recorded and paced like any message.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
INBOUND_FIELDS = {"MessageSid": 100, "From": 254, "To": 254}  # field -> longest value we store


@csrf_exempt
@require_POST
def twilio_inbound(request):
    if not signed_by_twilio(request):
        logger.warning("refused an unsigned or forged Twilio inbound SMS")
        return HttpResponseForbidden("Invalid Twilio signature.", content_type="text/plain")
    fields = {name: request.POST.get(name, "").strip() for name in INBOUND_FIELDS}
    wrong = [name for name, value in fields.items() if not 0 < len(value) <= INBOUND_FIELDS[name]]
    if wrong:
        return HttpResponseBadRequest(
            f"Missing or too long: {', '.join(wrong)}.", content_type="text/plain"
        )
    if not account_owns(request.POST.get("AccountSid", ""), fields["To"]):
        logger.warning("refused an inbound SMS signed by an account that does not own its number")
        return HttpResponseForbidden(
            "This Twilio account does not own that number.", content_type="text/plain"
        )
    conversation.receive(
        conversation.InboundSms(
            sid=fields["MessageSid"],
            sender=fields["From"],
            to=fields["To"],
            body=request.POST.get("Body", ""),
        )
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


def account_owns(account_sid: str, number: str) -> bool:
    """Whether the Twilio account that signed owns our number: an organization's own account
    must not speak for a shared number, nor for another organization's. A number we do not
    know is let through: its reply is logged and stored nowhere."""
    sender = SenderNumber.objects.filter(number=number).values("pk", "account__account_sid").first()
    if sender is None:
        return True
    if sender["account__account_sid"]:
        return sender["account__account_sid"] == account_sid
    platform = platform_credentials()
    return platform is not None and platform.account_sid == account_sid
