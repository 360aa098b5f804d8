"""Reads of the journey map used by other parts of the product."""

from vocapp.tenancy.scope import organization_scope

from .models import Journey


def count_journeys(organization) -> int:
    """Active journeys of the organization (the set-up checklist's "Map a customer journey")."""
    with organization_scope(organization):
        return Journey.objects.filter(archived_at__isnull=True).count()
