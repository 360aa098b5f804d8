"""Roles and what each may do (the roles table of ARCHITECTURE.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    CX_MANAGER = "cx_manager", _("CX manager")
    AGENT = "agent", _("Agent")


_ALL = frozenset(Role)
_MANAGERS = frozenset({Role.ADMIN, Role.CX_MANAGER})

CAPABILITIES: dict[str, frozenset] = {
    # Members, teams, API keys, channels, organization settings, GDPR erase, audit log.
    "manage_organization": frozenset({Role.ADMIN}),
    # Journeys, surveys, listening rules, campaigns, alert rules, gesture catalogue: write.
    "configure": _MANAGERS,
    # Read the configuration, dashboards and verbatims.
    "view": _ALL,
    "export": _MANAGERS,
    "view_roi": _MANAGERS,
    # Every case, and approving gestures; agents see their own and their teams' unassigned ones.
    "manage_all_cases": _MANAGERS,
    "approve_gestures": _MANAGERS,
    "work_cases": _ALL,
}


def role_can(role: str, capability: str) -> bool:
    try:
        allowed = CAPABILITIES[capability]
    except KeyError:
        raise ValueError(f"unknown capability {capability!r}") from None
    return role in allowed
