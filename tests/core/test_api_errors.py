"""The API's one error shape (ARCHITECTURE.md, "Errors").

Every answer that is not a success is ``{"error", "detail", "fields"}`` in JSON — never HTML, never
a 500 for bad input — with a sentence a developer can act on and the names of the wrong fields.
Bodies over 10 MB get 413 before anything reads them (the CSV import page may take more). A bad
request changes nothing already stored.
"""

import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.walk import API_PLAIN, api_routes, diff_snapshots, snapshot_organization
from vocapp.contacts.models import Contact, ImportJob
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db

TEN_MB = 10 * 1024 * 1024
CONTACTS = "/api/v1/contacts/"
BULK = "/api/v1/contacts/bulk/"
SEGMENTS = "/api/v1/segments/"
ORGANIZATION = "/api/v1/organization/"


def envelope(response, status: int, code: str) -> dict:
    """Check the answer is the error envelope with ``status`` and ``code``; return its body."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"error", "detail", "fields"}, body
    assert body["error"] == code, body
    assert isinstance(body["detail"], str) and len(body["detail"]) > 10, body
    assert isinstance(body["fields"], dict)
    return body


@pytest.fixture
def contact(org_a):
    with organization_scope(org_a):
        return Contact.objects.create(
            external_id="c-1", email="camille@example.com", first_name="Camille"
        )


@pytest.fixture
def api(org_a, contact, api_client_for):
    """An admin-scoped client of A, warmed up (its key's last use is already recorded)."""
    client = api_client_for(org_a)
    assert client.get(ORGANIZATION).status_code == 200
    return client


@pytest.fixture
def unchanged(org_a, api):
    """Fails the test if anything organization A stores changed during it."""
    before = snapshot_organization(org_a)
    yield
    assert diff_snapshots(before, snapshot_organization(org_a)) == []


# --- malformed bodies and wrong types ---------------------------------------------------------


@pytest.mark.parametrize("path", [CONTACTS, BULK, SEGMENTS, ORGANIZATION])
def test_it_answers_malformed_json_with_a_parse_error(api, unchanged, path):
    method = api.patch if path == ORGANIZATION else api.post
    response = method(path, data='{"external_id": "c-1",', content_type="application/json")
    body = envelope(response, 400, "parse_error")
    assert "JSON" in body["detail"]


def test_it_answers_a_body_that_is_not_json_with_415(api, unchanged):
    response = api.post(CONTACTS, data="external_id=c-1", content_type="text/plain")
    body = envelope(response, 415, "unsupported_media_type")
    assert "text/plain" in body["detail"]


def test_it_names_every_field_of_the_wrong_type(api, unchanged):
    response = api.patch(
        ORGANIZATION,
        {"minimum_n": "many", "business_days": "monday", "brand_colour": ["red"]},
        format="json",
    )
    body = envelope(response, 400, "invalid")
    assert {"minimum_n", "business_days", "brand_colour"} <= set(body["fields"])
    for name in ("minimum_n", "business_days", "brand_colour"):
        assert name in body["detail"]
        assert all(isinstance(m, str) and m for m in body["fields"][name])


def test_it_names_the_wrong_fields_of_a_contact(api, unchanged):
    response = api.post(
        CONTACTS,
        {"external_id": "c-1", "email": 5, "attributes": "gold", "sms_consent": "yes", "x": 1},
        format="json",
    )
    body = envelope(response, 400, "invalid")
    assert set(body["fields"]) == {"email", "attributes", "sms_consent", "x"}
    assert body["fields"]["x"] == ["'x' is not a contact field."]
    assert body["fields"]["email"] == ["must be text."]


def test_it_refuses_a_contact_that_is_not_an_object(api, unchanged):
    body = envelope(api.post(CONTACTS, [{"external_id": "c-1"}], format="json"), 400, "invalid")
    assert "JSON object" in body["detail"]
    assert "non_field_errors" in body["fields"]


def test_it_names_nested_fields_by_their_path(api, unchanged):
    response = api.post(
        SEGMENTS,
        {
            "name": "Gold",
            "conditions": [
                {"attribute": "email", "op": "eq", "value": "a"},
                {"attribute": "email", "op": "near", "value": "b"},
            ],
        },
        format="json",
    )
    body = envelope(response, 400, "invalid")
    assert list(body["fields"]) == ["conditions.1.op"]
    assert "'near' is not one of" in body["fields"]["conditions.1.op"][0]
    assert "conditions.1.op" in body["detail"]


def test_it_says_which_field_is_missing(api, unchanged):
    body = envelope(api.post(SEGMENTS, {"conditions": []}, format="json"), 400, "invalid")
    assert body["fields"] == {"name": ["This field is required."]}


# --- bulk: bad rows leave what is stored alone --------------------------------------------------


def test_it_leaves_existing_contacts_unchanged_when_a_bulk_body_is_invalid(api, unchanged):
    for payload in ({"contacts": "c-1"}, {"contacts": []}, {"rows": [{"external_id": "c-1"}]}):
        body = envelope(api.post(BULK, payload, format="json"), 400, "invalid")
        assert "contacts" in body["fields"], payload


def test_it_rejects_a_bad_row_without_touching_its_contact(api, contact, org_a):
    response = api.post(
        BULK,
        {
            "contacts": [
                {"external_id": "c-1", "email": "not an email", "first_name": "Changed"},
                {"external_id": "c-2", "email": "dominique@example.com"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["results"][0] == {
        "index": 0,
        "external_id": "c-1",
        "status": "rejected",
        "errors": {"email": ["'not an email' is not a valid email address."]},
    }
    assert body["results"][1]["status"] == "created"
    assert (body["created"], body["rejected"]) == (1, 1)
    with organization_scope(org_a):
        stored = Contact.objects.get(pk=contact.pk)
        assert (stored.email, stored.first_name) == ("camille@example.com", "Camille")
        assert stored.updated_at == contact.updated_at
        assert Contact.objects.count() == 2


# --- unknown ids, missing auth, wrong method, unknown path --------------------------------------


@pytest.mark.parametrize("pk", ["999999999", "abc"])
def test_it_answers_an_unknown_id_with_404(api, unchanged, pk):
    for path in (f"{CONTACTS}{pk}/", f"{SEGMENTS}{pk}/"):
        body = envelope(api.get(path), 404, "not_found")
        assert "no such object" in body["detail"]
    envelope(api.patch(f"{SEGMENTS}{pk}/", {"name": "x"}, format="json"), 404, "not_found")


def test_it_answers_an_unknown_id_in_a_filter_with_400(api, unchanged):
    body = envelope(api.get(CONTACTS, {"segment": "999999"}), 400, "invalid")
    assert body["fields"] == {"segment": ["No such segment."]}


def api_paths() -> list[str]:
    """One concrete path per router route and plain API path (detail routes with an id)."""
    paths = set()
    for route in api_routes():
        kwargs = {route.lookup_kwarg: 1} if route.detail else {}
        paths.add(reverse(route.name, kwargs=kwargs))
    paths.update(reverse(name) for name in API_PLAIN)
    return sorted(paths)


def test_it_answers_401_on_every_api_path_without_a_key(contact, unchanged):
    client = APIClient()
    paths = api_paths()
    assert CONTACTS in paths and ORGANIZATION in paths
    for path in paths:
        for method in ("get", "post"):
            response = getattr(client, method)(path, {}, format="json")
            if response.status_code == 405:
                continue
            body = envelope(response, 401, "not_authenticated")
            assert "Authorization: Bearer" in body["detail"], path
            assert response["WWW-Authenticate"].startswith("Bearer"), path


def test_it_answers_a_wrong_method_with_405(api, unchanged, contact):
    body = envelope(api.delete(f"{CONTACTS}{contact.pk}/"), 405, "method_not_allowed")
    assert '"DELETE"' in body["detail"]
    envelope(api.put(ORGANIZATION, {"name": "x"}, format="json"), 405, "method_not_allowed")
    envelope(api.post(ORGANIZATION, {"name": "x"}, format="json"), 405, "method_not_allowed")
    envelope(api.get(BULK), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here/", "/api/v2/contacts/", "/api/", "/api/v1/contacts/1/nope/"]
)
def test_it_answers_an_unknown_api_path_with_the_envelope(api, unchanged, path):
    for client in (api, APIClient()):
        for method in ("get", "post", "delete"):
            response = getattr(client, method)(path)
            body = envelope(response, 404, "not_found")
            assert b"<html" not in response.content.lower()
            assert "no such address" in body["detail"]


def test_it_keeps_html_404s_for_pages(client):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- body size ---------------------------------------------------------------------------------


def padded_bulk(size: int) -> bytes:
    """A JSON bulk body of exactly ``size`` bytes (invalid: no contacts), cheap to parse."""
    head, tail = b'{"contacts": [], "padding": "', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def test_it_reads_a_body_of_exactly_10_mb(api, unchanged):
    """At the limit the body is parsed: the answer is about its content, not its size."""
    body = padded_bulk(TEN_MB)
    assert len(body) == settings.MAX_REQUEST_BODY_BYTES
    answer = envelope(api.post(BULK, data=body, content_type="application/json"), 400, "invalid")
    assert "contacts" in answer["fields"]


@pytest.mark.parametrize("path", [BULK, CONTACTS, "/api/v1/nothing-here/", "/webhooks/x/"])
def test_it_answers_413_to_an_api_body_over_10_mb(api, unchanged, path):
    response = api.post(path, data=padded_bulk(TEN_MB + 1), content_type="application/json")
    body = envelope(response, 413, "request_too_large")
    assert "10 MB" in body["detail"]


def test_it_answers_413_to_a_page_body_over_10_mb(client, admin_a, unchanged):
    client.force_login(admin_a)
    response = client.post(
        "/o/alpha/contacts/attributes/",
        data=b"name=" + b"x" * TEN_MB,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert b"10 MB" in response.content


def csv_file(size: int) -> SimpleUploadedFile:
    header = b"external_id,email,first_name\n"
    row = b"c-9,dominique@example.com,Dominique\n"
    filler = b"x" * (size - len(header) - len(row) - len(b'c-8,a@example.com,"\n') - 2)
    content = header + row + b'c-8,a@example.com,"' + filler + b'"\n'
    return SimpleUploadedFile("big.csv", content, content_type="text/csv")


@pytest.mark.parametrize("limit", [None, 12 * 1024 * 1024])
def test_it_lets_the_import_page_take_a_file_over_10_mb(client, admin_a, org_a, limit):
    overrides = {"IMPORT_UPLOAD_MAX_BYTES": limit} if limit else {}
    client.force_login(admin_a)
    with override_settings(**overrides):
        response = client.post(
            "/o/alpha/imports/", {"kind": "contacts", "file": csv_file(TEN_MB + 1024)}
        )
    assert response.status_code == 302, response.content[:2000]
    with organization_scope(org_a):
        job = ImportJob.objects.get()
    assert response["Location"] == reverse(
        "contacts:import_detail", kwargs={"org_slug": "alpha", "pk": job.pk}
    )
    assert job.header == ["external_id", "email", "first_name"]


@override_settings(IMPORT_UPLOAD_MAX_BYTES=TEN_MB + 512)
def test_it_answers_413_to_an_import_above_its_own_limit(client, admin_a, org_a):
    client.force_login(admin_a)
    response = client.post(
        "/o/alpha/imports/", {"kind": "contacts", "file": csv_file(TEN_MB + 1024)}
    )
    assert response.status_code == 413
    assert not ImportJob.objects.unscoped().exists()
