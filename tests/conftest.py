"""Shared actors: an admin, a CX manager and an agent of organization A; an outsider from B.

Every endpoint test can ask for them by name; ``api_client_for(scopes, organization)`` gives a DRF
client authenticated with a fresh API key; ``world`` gives both organizations one object of every
kind (tests/walk.py), for the walks over every page and route.
"""

import contextlib

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.walk import World
from vocapp.tenancy.models import Membership, Organization, User
from vocapp.tenancy.roles import Role
from vocapp.tenancy.scope import organization_scope
from vocapp.tenancy.services import create_api_key


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and heartbeats live in the shared cache: start every test clean."""
    # A test about a down cache replaces the cache anyway.
    with contextlib.suppress(Exception):
        cache.clear()
    yield


def make_member(organization, email, role):
    user = User.objects.create_user(email, "correct horse battery", full_name=email.split("@")[0])
    Membership.objects.create(organization=organization, user=user, role=role)
    return user


@pytest.fixture
def org_a(db):
    return Organization.objects.create(name="Alpha Shop", slug="alpha")


@pytest.fixture
def org_b(db):
    return Organization.objects.create(name="Beta Bank", slug="beta")


@pytest.fixture
def admin_a(org_a):
    return make_member(org_a, "admin@alpha.test", Role.ADMIN)


@pytest.fixture
def manager_a(org_a):
    return make_member(org_a, "manager@alpha.test", Role.CX_MANAGER)


@pytest.fixture
def agent_a(org_a):
    return make_member(org_a, "agent@alpha.test", Role.AGENT)


@pytest.fixture
def outsider(org_b):
    """An admin of organization B: powerful at home, a stranger to A."""
    return make_member(org_b, "admin@beta.test", Role.ADMIN)


@pytest.fixture
def world(org_a, org_b, admin_a, manager_a, agent_a, outsider):
    """Organization A with one object of every kind; B with its own (and its admin, outsider)."""
    world = World(
        org=org_a, other=org_b, admin=admin_a, manager=manager_a, agent=agent_a, outsider=outsider
    )
    world.populate(org_a)
    world.populate(org_b)
    return world


@pytest.fixture
def scope_a(org_a):
    with organization_scope(org_a):
        yield org_a


@pytest.fixture
def api_client_for(db):
    def build(organization, scopes=("admin",)):
        _key, full_key = create_api_key(None, organization, name="tests", scopes=list(scopes))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {full_key}")
        return client

    return build


@pytest.fixture
def client_as(client):
    def login(user):
        client.force_login(user)
        return client

    return login
