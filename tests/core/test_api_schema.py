"""Property-based tests of the API from its own OpenAPI schema (Schemathesis 4).

The schema is fetched from ``/api/schema/`` through the WSGI application (no server; loading it
also proves it is valid OpenAPI), and every operation is called with generated requests — valid
and invalid ones (Schemathesis's examples, coverage and fuzzing phases, ``MAX_EXAMPLES`` each) —
authenticated with an admin API key of organization A, populated with one object of every kind
(tests/walk.py). Half of the generated ids are replaced by the id of A's object of that kind, so
detail routes reach real objects and not only 404s.

Checks, and why:

- ``not_a_server_error``: bad input gets a 4xx, never a 500 (the main point).
- ``error_envelope`` (ours): every 4xx is the JSON envelope ``{"error", "detail", "fields"}``.
- ``response_schema_conformance``, ``content_type_conformance``,
  ``response_headers_conformance``: what a success returns is what the schema documents.
- ``ignored_auth``: an operation that declares the API key does refuse requests without one.

Left out on purpose:

- ``status_code_conformance``: drf-spectacular documents the success answers only; the error
  statuses (400, 401, 403, 404, 405, 413, 415, 429) are uniform across operations and are checked
  by ``error_envelope`` and tests/core/test_api_errors.py rather than repeated in every operation.
- ``negative_data_rejection``: DRF coerces on purpose (``0`` is accepted for a string field and
  stored as ``"0"``, a malformed optional ``page_size`` falls back to the default); that leniency
  is harmless, and invalid input that matters is still required to get a clear 4xx above.
- ``positive_data_acceptance``: schema-valid bodies may still be refused by business rules
  (unique names, closing after opening, a segment id that does not exist) with a 400.
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
)

from tests.walk import API_KINDS, World, api_routes
from vocapp.tenancy.services import create_api_key

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 15

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def error_envelope(ctx, response, case):
    """Every answer that is not a success is the API's error envelope, in JSON."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"an error answered as {content_type}"
    body = json.loads(response.content)
    assert isinstance(body, dict) and set(body) == {"error", "detail", "fields"}, body
    assert isinstance(body["error"], str) and body["error"], body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert isinstance(body["fields"], dict), body
    return None


CHECKS = [
    not_a_server_error,
    error_envelope,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
    ignored_auth,
]


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Django closes the database connection when a request finishes, which inside the test's
    transaction would end it. Django's test client disconnects that handler around its requests;
    Schemathesis's WSGI client does not, so it is disconnected for the test."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_key(world):
    _key, full_key = create_api_key(None, world.org, name="schemathesis", scopes=["admin"])
    return full_key


def kind_of(path_template: str, kwarg: str) -> str | None:
    """The kind of object (tests.walk.API_KINDS) a router path's ``{kwarg}`` names (the schema
    calls the router's ``pk`` lookup ``id``)."""
    try:
        match = resolve(path_template.replace("{" + kwarg + "}", "1"))
    except Resolver404:
        return None
    if match.kwargs.get("pk", match.kwargs.get(kwarg)) != "1":
        return None
    for route in api_routes():
        if route.detail and route.name == f"{match.namespace}:{match.url_name}":
            return API_KINDS.get(route.basename)
    return None


def use_real_ids(case, world: World) -> None:
    """Replace every other generated integer id by the id of A's object of that kind."""
    for name, value in list((case.path_parameters or {}).items()):
        if isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
            kind = kind_of(case.operation.path, name)
            if kind is not None:
                case.path_parameters[name] = world.get(kind).pk


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api(case, world, admin_key):
    use_real_ids(case, world)
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_key}"}, checks=CHECKS)


def test_the_schema_lists_every_router_operation():
    """The control: the walk above covers every route the router serves."""
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results]  # Err has no ok(): a broken operation fails
    documented = {(op.method.upper(), op.path) for op in operations}
    assert ("POST", "/api/v1/contacts/bulk/") in documented
    assert ("PATCH", "/api/v1/organization/") in documented
    assert len(documented) >= sum(len(route.methods) for route in api_routes())


def test_kind_of_finds_the_object_behind_a_path():
    assert kind_of("/api/v1/contacts/{id}/", "id") == "contact"
    assert kind_of("/api/v1/segments/{id}/", "id") == "segment"
    assert kind_of("/api/v1/nothing/{id}/", "id") is None
