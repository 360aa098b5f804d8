"""What an invitation says: its links, its language, its SMS body and its email."""

from django.conf import settings

from vocapp.messaging.email import OutgoingEmail, unsubscribe_headers
from vocapp.messaging.templates import render_email, render_sms

# The organization's name as an SMS shows it: one segment is budgeted with 30 characters.
SMS_NAME_LENGTH = 30


def absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}"


def survey_link(invitation) -> str:
    return absolute(f"/s/{invitation.token}/")


def unsubscribe_link(invitation) -> str:
    return absolute(f"/u/{invitation.token}/")


def locale_of(invitation) -> str:
    """The contact's language, else the organization's."""
    return invitation.contact.locale or invitation.organization.default_locale or "en"


def template_name(invitation, *, two_way: bool = True) -> str:
    name = "reminder" if invitation.kind == "reminder" else "invitation"
    return name if two_way else f"{name}-oneway"


def context_of(invitation) -> dict:
    touchpoint = invitation.touchpoint
    return {
        "organization": invitation.organization.name[:SMS_NAME_LENGTH],
        "first_name": invitation.contact.first_name,
        "touchpoint": touchpoint.name if touchpoint else "",
        "link": survey_link(invitation),
        "unsubscribe_link": unsubscribe_link(invitation),
    }


def sms_body(invitation, sender) -> str:
    """One GSM-7 segment; an alphanumeric sender cannot take replies, so it only links."""
    name = template_name(invitation, two_way=sender.two_way)
    return render_sms(name, context_of(invitation), locale=locale_of(invitation))


def email_of(invitation, policy) -> OutgoingEmail:
    """Plain text unless the organization asked for HTML; RFC 8058 one-click unsubscribe."""
    context = context_of(invitation)
    rendered = render_email(
        template_name(invitation),
        {**context, "organization": invitation.organization.name},
        locale=locale_of(invitation),
        html=policy.email_html,
    )
    return OutgoingEmail(
        to=invitation.contact.email,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        from_email=from_address(invitation.organization, policy),
        reply_to=(policy.email_reply_to,) if policy.email_reply_to else (),
        headers=unsubscribe_headers(context["unsubscribe_link"]),
        metadata={"invitation": invitation.token},
    )


def from_address(organization, policy) -> str:
    from email.utils import formataddr

    address = policy.email_from_address or settings.DEFAULT_FROM_EMAIL
    return formataddr((policy.email_from_name or organization.name, address))
