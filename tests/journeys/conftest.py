import pytest

from journeys.services import create_journey_from_template
from vocapp.tenancy.scope import organization_scope


@pytest.fixture
def ecommerce_a(org_a, manager_a):
    """Organization A's journey made from the e-commerce template."""
    return create_journey_from_template(org_a, "ecommerce", manager_a)


def stage_names(journey):
    with organization_scope(journey.organization):
        return list(journey.stages.filter(archived_at__isnull=True).values_list("name", flat=True))


def touchpoint_keys(stage):
    with organization_scope(stage.organization):
        return list(
            stage.touchpoints.filter(archived_at__isnull=True)
            .order_by("position", "id")
            .values_list("key", flat=True)
        )
