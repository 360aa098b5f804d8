"""Notices to an organization's admins: what they must know about their channels, by email."""

import logging

from django.conf import settings
from django.core.mail import send_mail

from vocapp.messaging.templates import render_text
from vocapp.tenancy.models import Membership
from vocapp.tenancy.roles import Role

logger = logging.getLogger(__name__)


def notify_admins(organization, name: str, context: dict) -> int:
    """Email ``emails/<name>-subject.txt`` and ``-body.txt`` to each admin in their language."""
    from django.utils import translation

    admins = Membership.objects.filter(organization=organization, role=Role.ADMIN).select_related(
        "user"
    )
    sent = 0
    for membership in admins:
        user = membership.user
        with translation.override(organization.default_locale or "en"):
            full = {"organization": organization, **context}
            subject = " ".join(render_text(f"emails/{name}-subject.txt", full).split())
            body = render_text(f"emails/{name}-body.txt", full)
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    logger.info("notice %s sent to %s admins of %s", name, sent, organization.slug)
    return sent
