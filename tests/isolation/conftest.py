import pytest

from tests.walk import World


@pytest.fixture
def world(org_a, org_b, admin_a, manager_a, agent_a, outsider):
    """Organization A with one object of every kind; B with its own (and its admin, outsider)."""
    world = World(
        org=org_a, other=org_b, admin=admin_a, manager=manager_a, agent=agent_a, outsider=outsider
    )
    world.populate(org_a)
    world.populate(org_b)
    return world
