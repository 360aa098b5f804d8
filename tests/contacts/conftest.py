"""Helpers shared by the contacts tests: an API client of organization A and declared attributes."""

import pytest

from tests.workers import real_worker  # noqa: F401  (the fixture, for the crash test)
from vocapp.contacts.models import AttributeDefinition, Contact
from vocapp.tenancy.scope import organization_scope

CONTACTS_URL = "/api/v1/contacts/"
BULK_URL = "/api/v1/contacts/bulk/"
SEGMENTS_URL = "/api/v1/segments/"
PREVIEW_URL = "/api/v1/segments/preview/"


def assert_envelope(response, status, code="invalid"):
    """The API's one error shape, with ``status`` and ``code``; returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "detail", "fields"}, body
    assert body["error"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def page_url(organization, path=""):
    return f"/o/{organization.slug}/{path}"


@pytest.fixture
def api(org_a, api_client_for):
    """An API client of organization A with the admin scope."""
    return api_client_for(org_a)


@pytest.fixture
def declared(org_a):
    """Organization A's declared attributes, one of each type."""
    with organization_scope(org_a):
        for name, kind in (
            ("tier", "text"),
            ("city", "text"),
            ("age", "number"),
            ("vip", "boolean"),
            ("since", "date"),
        ):
            AttributeDefinition.objects.create(name=name, label=name.title(), kind=kind)
    return org_a


def stored(organization, external_id):
    """The contact as stored in the database (fresh, not the object the code returned)."""
    with organization_scope(organization):
        return Contact.objects.get(external_id=external_id)
