"""Kiosk devices: a tablet in a store showing a touchpoint's open survey to one customer after
another.

A CX manager creates a device on the touchpoint's open-survey page and gets its secret link once
(``/q/<key>/?device=<token>``); only the token's SHA-256 is stored. Opening the link on the tablet
moves the token into an HttpOnly cookie: from then on the tablet is in kiosk mode, its answers
are credited to the device and rate-limited per device rather than per IP address (a store's
customers on its Wi-Fi must not block its own kiosk). Revoking a device stops all of that at once.
"""

import hashlib
import secrets

from django.urls import reverse
from django.utils import timezone

from vocapp.tenancy.audit import record_audit

from .models import KioskDevice

COOKIE_NAME = "vocapp_kiosk"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_device(actor, touchpoint, label: str) -> tuple[KioskDevice, str]:
    """A new device of the touchpoint and its token (shown once, never stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    device = KioskDevice.objects.create(
        touchpoint=touchpoint, label=label, token_digest=digest_of(token)
    )
    record_audit(actor, "kiosk_device.created", device, {"label": label})
    return device, token


def revoke_device(actor, device: KioskDevice) -> bool:
    """False if it was already revoked."""
    changed = KioskDevice.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if changed:
        record_audit(actor, "kiosk_device.revoked", device, {"label": device.label})
    return bool(changed)


def device_for(token: str | None, touchpoint) -> KioskDevice | None:
    """The live device holding ``token`` for this touchpoint (any other answer: None)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return (
        KioskDevice.objects.unscoped()
        .filter(
            token_digest=digest_of(token),
            touchpoint_id=touchpoint.pk,
            organization_id=touchpoint.organization_id,
            revoked_at__isnull=True,
        )
        .first()
    )


def mark_used(device: KioskDevice) -> None:
    """Record the device's activity; at most one write a minute, whatever its traffic."""
    now = timezone.now()
    if device.last_used_at and (now - device.last_used_at).total_seconds() < 60:
        return
    KioskDevice.objects.unscoped().filter(pk=device.pk).update(last_used_at=now)
    device.last_used_at = now


def cookie_path(touchpoint) -> str:
    """The device cookie goes back only to this touchpoint's open survey."""
    return reverse("open_survey", kwargs={"public_key": touchpoint.public_key})
