"""Open surveys (``/q/<public key>/``): a touchpoint's survey answered without an invitation, from
a QR code on a counter, a link on a website or a kiosk in a store.

Which survey a touchpoint's open link asks (the choice is the product's, documented here and on
the touchpoint's open-survey page):

1. the survey of the touchpoint's highest-priority active listening rule (the survey the
   organization chose for that moment; the rule's channels, timing and sampling concern
   invitations and do not apply to an open link);
2. else the survey most recently answered at that touchpoint (through any channel), so that a
   touchpoint whose rules were paused keeps its QR codes working;
3. else none: the page says that no survey is open there.

Archived surveys are never asked. The survey's current version is asked, so an edited survey
shows its new questions on the QR codes already printed. Open answers are anonymous (channel
``qr``), outside the fatigue budget; the respondent may leave an email or a phone number with an
explicit consent, which creates or updates a contact.
"""

import io
from dataclasses import dataclass

import segno
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from vocapp.contacts.models import Contact, address_digest
from vocapp.contacts.upsert import upsert_contacts
from vocapp.contacts.validation import normalise_email, normalise_phone
from vocapp.ratelimit import RateLimitResult, rate_limit

from .composing import absolute
from .models import KioskDevice, ListeningRule, Response, Survey, SurveyVersion

# Answers (each saved answer is one POST) per window. A phone answers a survey in a handful of
# requests; a kiosk serves a queue of customers, so its own budget is ten times larger and it
# does not spend its IP address's (a store's Wi-Fi is shared with its customers' phones).
WINDOW_SECONDS = 600
IP_LIMIT = 60
DEVICE_LIMIT = 600
# How long after their answer a respondent may still leave their contact details.
CONTACT_DETAILS_MINUTES = 30
EXTERNAL_ID_PREFIX = "qr-"


def open_survey_path(touchpoint, *, kiosk: bool = False) -> str:
    path = reverse("open_survey", kwargs={"public_key": touchpoint.public_key})
    return f"{path}?kiosk=1" if kiosk else path


def open_survey_link(touchpoint, *, kiosk: bool = False) -> str:
    return absolute(open_survey_path(touchpoint, kiosk=kiosk))


def device_link(touchpoint, token: str) -> str:
    return absolute(f"{open_survey_path(touchpoint)}?device={token}")


# --- which survey --------------------------------------------------------------------------


def open_survey_for(touchpoint) -> Survey | None:
    """The survey the touchpoint's open link asks (see the module's docstring), or None."""
    rule = (
        ListeningRule.objects.filter(
            touchpoint=touchpoint,
            active=True,
            archived_at__isnull=True,
            survey__archived_at__isnull=True,
        )
        .select_related("survey")
        .order_by("-priority", "pk")
        .first()
    )
    if rule is not None:
        return rule.survey
    answered = (
        Response.objects.filter(touchpoint=touchpoint, survey_version__survey__archived_at=None)
        .select_related("survey_version__survey")
        .order_by("-started_at", "-pk")
        .first()
    )
    return answered.survey_version.survey if answered is not None else None


def open_version_for(touchpoint) -> SurveyVersion | None:
    survey = open_survey_for(touchpoint)
    return survey.current_version if survey is not None else None


# --- QR codes ------------------------------------------------------------------------------


def qr_code(url: str):
    """Medium error correction (segno raises it when the size allows): a code printed on a
    counter survives scratches and glare."""
    return segno.make(url, error="m", micro=False)


def qr_png(url: str, *, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(url: str, *, title: str = "") -> bytes:
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="svg", scale=10, border=4, title=title or None)
    return buffer.getvalue()


# --- rate limits ---------------------------------------------------------------------------


def spend(*, device, ip: str) -> RateLimitResult:
    """Count one answer: on the device's budget when it is a kiosk, else on the IP address's."""
    if device is not None:
        return rate_limit(
            f"open-survey:device:{device.pk}", limit=DEVICE_LIMIT, window=WINDOW_SECONDS
        )
    return rate_limit(f"open-survey:ip:{ip}", limit=IP_LIMIT, window=WINDOW_SECONDS)


# --- contact details -----------------------------------------------------------------------


class DetailsError(ValueError):
    """Contact details that cannot be stored; the message says why."""


@dataclass(frozen=True)
class Details:
    email: str = ""
    phone: str = ""


def clean_details(organization, email: str, phone: str, consent: bool) -> Details:
    """Normalised details, or DetailsError. Nothing is kept without the consent ticked."""
    email, phone = (email or "").strip(), (phone or "").strip()
    if not email and not phone:
        raise DetailsError("email_or_phone")
    if not consent:
        raise DetailsError("consent")
    region = organization.country.code or "FR"
    try:
        email = normalise_email(email) if email else ""
    except ValueError:
        raise DetailsError("email") from None
    try:
        phone = normalise_phone(phone, region) if phone else ""
    except ValueError:
        raise DetailsError("phone") from None
    return Details(email=email, phone=phone)


def leave_contact_details(response: Response, details: Details) -> Contact:
    """Create or update the respondent's contact (consenting to the channels given) and credit
    the response to it. Call inside the response's organization scope."""
    existing = find_contact(details)
    with transaction.atomic():
        [result] = upsert_contacts([contact_row(response, details, existing)])
        if result.errors:  # the values were validated above: only a race could get here
            raise DetailsError("email_or_phone")
        contact = Contact.objects.get(external_id=result.external_id)
        Response.objects.filter(pk=response.pk, contact__isnull=True).update(contact=contact)
    return contact


def contact_row(response: Response, details: Details, existing: Contact | None) -> dict:
    """The upsert row. Anyone can type any address into a public page: an existing contact's
    address is never replaced, only a missing one added, and consent is given only for the
    addresses that are the contact's."""
    if existing is None:
        row = {"external_id": external_id_for(response.organization, details)}
        if response.locale:
            row["locale"] = response.locale
    else:
        row = {"external_id": existing.external_id}
    for field, channel in (("email", "email"), ("phone", "sms")):
        value = getattr(details, field)
        current = getattr(existing, field, "")
        if not value or current not in ("", value):
            continue
        row[field] = value
        row[f"{channel}_consent"] = True
    return row


def find_contact(details: Details) -> Contact | None:
    """A contact already holding the email (else the phone): one person, one contact."""
    for field, value in (("email", details.email), ("phone", details.phone)):
        if value:
            found = Contact.objects.filter(**{field: value}, erased_at__isnull=True).first()
            if found is not None:
                return found
    return None


def external_id_for(organization, details: Details) -> str:
    """A stable id for an open-survey respondent that does not spell out their address."""
    return EXTERNAL_ID_PREFIX + address_digest(organization, details.email or details.phone)[:32]


def details_still_open(response: Response, now=None) -> bool:
    now = now or timezone.now()
    return (
        response.contact_id is None
        and response.completed_at is not None
        and (now - response.completed_at).total_seconds() < CONTACT_DETAILS_MINUTES * 60
    )


# --- the journey map and the touchpoint's page --------------------------------------------


def kiosk_lines(organization, touchpoint_ids) -> dict[int, list[str]]:
    """``{touchpoint id: ["2 kiosk devices"]}`` for touchpoints with live devices, one query."""
    counts = (
        KioskDevice.objects.filter(touchpoint_id__in=touchpoint_ids, revoked_at__isnull=True)
        .values("touchpoint_id")
        .annotate(n=Count("pk"))
    )
    return {
        row["touchpoint_id"]: [
            ngettext("%(n)d kiosk device", "%(n)d kiosk devices", row["n"]) % {"n": row["n"]}
        ]
        for row in counts
    }


def no_lines(organization, touchpoint_ids) -> dict[int, list[str]]:
    """For the registry entries that only add a link to the touchpoint's page."""
    return {}
