"""``/q/<public key>/``: a touchpoint's open survey (QR code, website link, kiosk), public.

The page itself is ``answering_page.answer_survey_page`` (shared with ``/s/<token>/``); this
module adds what an open survey needs around it:

- which survey (``open_surveys.open_survey_for``), answered anonymously on the ``qr`` channel;
- kiosk mode (``?kiosk=1``, or a registered device's cookie): after the thank-you the page starts
  again for the next customer (``static/js/kiosk.js``, with a visible "Next customer" button),
  and nothing of the previous customer's answers is ever shown again;
- kiosk devices: ``?device=<token>`` moves the device's token into an HttpOnly cookie and
  redirects to the plain link, so the token does not stay in the address bar;
- rate limits on answers: per device for a registered kiosk, else per IP address;
- contact details left after the answer, with an explicit consent (``/q/<key>/contact/``).
"""

from django.conf import settings
from django.core import signing
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from journeys.models import Touchpoint
from vocapp.ratelimit import client_ip, too_many_requests
from vocapp.tenancy.scope import organization_scope

from .. import kiosks
from ..models import Response, ResponseChannel
from ..open_surveys import (
    CONTACT_DETAILS_MINUTES,
    DetailsError,
    clean_details,
    details_still_open,
    leave_contact_details,
    open_survey_path,
    open_version_for,
    spend,
)
from ..rendering import DEFAULT_BRAND_COLOUR, branding, ink_for, survey_locale
from .answering_page import SurveyPage, answer_survey_page, open_response

TEMPLATE = "surveys/public/open_survey.html"
CLOSED_TEMPLATE = "surveys/public/open_closed.html"
DETAILS_TEMPLATE = "surveys/public/open_details.html"
DETAILS_SALT = "surveys.open.details"
# Seconds the thank-you stays on a kiosk before the page starts again for the next customer.
KIOSK_RESET_SECONDS = 10
# A kiosk survey left half answered starts again after this long without a touch.
KIOSK_IDLE_SECONDS = 90


def touchpoint_for(public_key: str):
    """The live touchpoint of an open link, in any organization (the key is public)."""
    return (
        Touchpoint.objects.unscoped()
        .select_related("organization")
        .filter(public_key=public_key, archived_at__isnull=True)
        .first()
    )


@require_http_methods(["GET", "HEAD", "POST"])
def open_survey(request, public_key):
    touchpoint = touchpoint_for(public_key)
    if touchpoint is None:
        return closed(request, None, "unknown", status=404)
    if "device" in request.GET:
        return register_device(request, touchpoint)
    device = kiosks.device_for(request.COOKIES.get(kiosks.COOKIE_NAME), touchpoint)
    if request.method == "POST":
        limited = spend_or_refuse(request, touchpoint, device)
        if limited is not None:
            return limited
        if device is not None:
            kiosks.mark_used(device)
    with organization_scope(touchpoint.organization):
        version = open_version_for(touchpoint)
    if version is None:
        answer = closed(request, touchpoint.organization, "no_survey", status=404)
    else:
        answer = answer_survey_page(request, open_page(request, touchpoint, version, device))
    if device is None and kiosks.COOKIE_NAME in request.COOKIES:
        # A revoked device: the tablet goes on as an ordinary visitor, under the IP's limit.
        answer.delete_cookie(kiosks.COOKIE_NAME, path=kiosks.cookie_path(touchpoint))
    return answer


def is_kiosk(request, device) -> bool:
    return device is not None or request.GET.get("kiosk") == "1"


def open_page(request, touchpoint, version, device) -> SurveyPage:
    kiosk = is_kiosk(request, device)
    extra = {
        "kiosk": kiosk,
        "kiosk_reset_seconds": KIOSK_RESET_SECONDS,
        "kiosk_idle_seconds": KIOSK_IDLE_SECONDS,
        "next_url": open_survey_path(touchpoint, kiosk=kiosk and device is None),
        "details_url": details_path(touchpoint, kiosk=kiosk and device is None),
    }

    def on_complete(request, response):
        # The thank-you (rendered next, from ``extra``) offers to leave contact details.
        extra["details_key"] = signing.dumps(response.pk, salt=DETAILS_SALT)

    return SurveyPage(
        organization=touchpoint.organization,
        version=version,
        channel=ResponseChannel.QR,
        get_response=open_response(device=device),
        touchpoint=touchpoint,
        locale_hints=[translation.get_language_from_request(request)],
        # A fresh page for every visitor: on a kiosk the previous person's answers never show.
        prefill=False,
        template=TEMPLATE,
        extra_context=extra,
        on_complete=on_complete,
    )


def details_path(touchpoint, *, kiosk: bool) -> str:
    path = reverse("open_survey_contact", kwargs={"public_key": touchpoint.public_key})
    return f"{path}?kiosk=1" if kiosk else path


def register_device(request, touchpoint):
    """``?device=<token>``: keep the token in an HttpOnly cookie, then show the plain link."""
    device = kiosks.device_for(request.GET.get("device"), touchpoint)
    if device is None:
        return closed(request, touchpoint.organization, "device", status=403)
    answer = HttpResponseRedirect(open_survey_path(touchpoint))
    answer.set_cookie(
        kiosks.COOKIE_NAME,
        request.GET["device"],
        max_age=kiosks.COOKIE_MAX_AGE,
        path=kiosks.cookie_path(touchpoint),
        # As the session cookie: secure whenever the product is served over HTTPS.
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    add_never_cache_headers(answer)
    return answer


def spend_or_refuse(request, touchpoint, device):
    """None while the device (or, without one, the IP address) may still answer."""
    result = spend(device=device, ip=client_ip(request))
    if result.allowed:
        return None
    if request.POST.get("only"):  # survey.js saving one answer reads the API's envelope
        return too_many_requests(result.retry_after)
    answer = closed(request, touchpoint.organization, "busy", status=429)
    answer["Retry-After"] = str(result.retry_after)
    return answer


def closed(request, organization, reason: str, *, status: int, locale: str = ""):
    """A kind page instead of the survey: unknown link, no survey open, device link not valid,
    too many answers."""
    locale = survey_locale(locale or translation.get_language_from_request(request), organization)
    if organization is not None:
        context = branding(organization)
    else:
        context = {"brand_colour": DEFAULT_BRAND_COLOUR, "brand_ink": ink_for(DEFAULT_BRAND_COLOUR)}
    context.update(reason=reason, locale=locale)
    with translation.override(locale):
        answer = render(request, CLOSED_TEMPLATE, context, status=status)
    add_never_cache_headers(answer)
    return answer


# --- contact details after the answer --------------------------------------------------------

DETAILS_ERRORS = {
    "email_or_phone": lambda: _("Give an email address or a phone number."),
    "consent": lambda: _("Tick the box to agree to be contacted, or leave the fields empty."),
    "email": lambda: _("This email address does not look right: check it, please."),
    "phone": lambda: _("This phone number does not look right: check it, please."),
}


@require_POST
def open_survey_contact(request, public_key):
    touchpoint = touchpoint_for(public_key)
    if touchpoint is None:
        return closed(request, None, "unknown", status=404)
    device = kiosks.device_for(request.COOKIES.get(kiosks.COOKIE_NAME), touchpoint)
    limited = spend_or_refuse(request, touchpoint, device)
    if limited is not None:
        return limited
    organization = touchpoint.organization
    with organization_scope(organization):
        response = response_for_details(request.POST.get("details", ""), touchpoint)
        if response is None:
            return closed(request, organization, "details_closed", status=410)
        kiosk = is_kiosk(request, device)
        context = {
            **branding(organization),
            "locale": survey_locale(response.locale, organization),
            "kiosk": kiosk,
            "kiosk_reset_seconds": KIOSK_RESET_SECONDS,
            "next_url": open_survey_path(touchpoint, kiosk=kiosk and device is None),
            "details_url": details_path(touchpoint, kiosk=kiosk and device is None),
            "details_key": request.POST.get("details", ""),
        }
        with translation.override(context["locale"]):
            return store_details(request, response, context)


def store_details(request, response, context):
    data = request.POST
    try:
        details = clean_details(
            response.organization, data.get("email", ""), data.get("phone", ""), "consent" in data
        )
    except DetailsError as error:
        context.update(
            details_error=DETAILS_ERRORS[str(error)](),
            given={"email": data.get("email", ""), "phone": data.get("phone", "")},
        )
        answer = render(request, DETAILS_TEMPLATE, context, status=400)
    else:
        leave_contact_details(response, details)
        answer = render(request, DETAILS_TEMPLATE, {**context, "details_done": True})
    add_never_cache_headers(answer)
    return answer


def response_for_details(key: str, touchpoint) -> Response | None:
    """The open response a thank-you page offered to complete with contact details, while it
    may still be (recently completed, at this touchpoint, no contact yet)."""
    try:
        pk = signing.loads(key, salt=DETAILS_SALT, max_age=CONTACT_DETAILS_MINUTES * 60)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    response = Response.objects.filter(
        pk=pk, touchpoint=touchpoint, invitation__isnull=True
    ).first()
    return response if response is not None and details_still_open(response) else None
