from functools import wraps

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import HttpResponseForbidden
from django.urls import URLPattern, include, path

from . import webhooks

app_name = "webhooks"


def secret_required(view):
    """Anymail accepts anyone's events when its WEBHOOK_SECRET is empty (with a warning): a
    forged "bounced" would stop a customer's emails. Without the secret, refuse them all."""

    @wraps(view)  # keeps csrf_exempt
    def guarded(request, *args, **kwargs):
        if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            return HttpResponseForbidden(
                "Email webhooks are off: ANYMAIL_WEBHOOK_SECRET is not set on this server.",
                content_type="text/plain; charset=utf-8",
            )
        return view(request, *args, **kwargs)

    return guarded


anymail_patterns = [
    URLPattern(
        pattern.pattern, secret_required(pattern.callback), pattern.default_args, pattern.name
    )
    for pattern in anymail_urls.urlpatterns
]

urlpatterns = [
    path("twilio/status/", webhooks.twilio_status, name="twilio_status"),
    path("twilio/inbound/", webhooks.twilio_inbound, name="twilio_inbound"),
    path("anymail/", include((anymail_patterns, "anymail"))),
]
