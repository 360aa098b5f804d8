"""Webhooks in: Twilio's status callbacks (signed) and anymail's tracking events (its secret).

Twilio signs the full URL it called: ours is PUBLIC_BASE_URL + the path, checked with the auth
token of the account named by AccountSid (the platform's own, or an organization's). Anything
unsigned or forged is a 403; a callback for a message we do not know is a 200 (Twilio would
otherwise retry it for nothing).
"""

import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from vocapp.messaging.sms import platform_credentials

from .models import TwilioAccount
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
