"""API keys: ``vk_<prefix>_<secret>``, shown once, stored hashed, scoped, revocable, throttled."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.tenancy.conftest import bearer
from vocapp.tenancy.models import ApiKey, AuditEvent
from vocapp.tenancy.services import create_api_key, revoke_api_key

pytestmark = pytest.mark.django_db

ORGANIZATION_URL = "/api/v1/organization/"
KEY_PATTERN = re.compile(r"vk_([0-9a-f]{12})_([A-Za-z0-9_\-]{20,})")


def assert_envelope(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "detail", "fields"}
    assert body["error"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_it_answers_401_without_a_key(org_a):
    response = APIClient().get(ORGANIZATION_URL)
    assert_envelope(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer vk_000000000000_wrongsecret",
        "Bearer not-a-key",
        "Token vk_000000000000_x",
        "Bearer ",
    ],
)
def test_it_answers_401_to_a_wrong_key(org_a, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_envelope(client.get(ORGANIZATION_URL), 401, "authentication_failed")


def test_it_answers_401_to_a_right_prefix_with_a_wrong_secret(org_a):
    api_key, full_key = create_api_key(None, org_a, name="k", scopes=["admin"])
    assert_envelope(
        bearer(full_key[:-2] + "xx").get(ORGANIZATION_URL), 401, "authentication_failed"
    )


def test_it_answers_401_to_a_revoked_key(org_a, admin_a):
    api_key, full_key = create_api_key(admin_a, org_a, name="k", scopes=["admin"])
    client = bearer(full_key)
    assert client.get(ORGANIZATION_URL).status_code == 200
    revoke_api_key(admin_a, api_key)
    body = assert_envelope(client.get(ORGANIZATION_URL), 401, "authentication_failed")
    assert "revoked" in body["detail"]


def test_it_answers_403_to_a_key_without_the_scope(org_a):
    _key, full_key = create_api_key(None, org_a, name="ingest only", scopes=["ingest"])
    body = assert_envelope(bearer(full_key).get(ORGANIZATION_URL), 403, "permission_denied")
    assert "'read'" in body["detail"]


def test_it_lets_a_read_key_read_but_not_write(org_a):
    _key, full_key = create_api_key(None, org_a, name="reader", scopes=["read"])
    client = bearer(full_key)
    assert client.get(ORGANIZATION_URL).json()["slug"] == "alpha"
    response = client.patch(ORGANIZATION_URL, {"name": "Renamed"}, format="json")
    assert_envelope(response, 403, "permission_denied")
    org_a.refresh_from_db()
    assert org_a.name == "Alpha Shop"


def test_it_lets_an_admin_key_change_the_organization(org_a):
    _key, full_key = create_api_key(None, org_a, name="admin", scopes=["admin"])
    response = bearer(full_key).patch(ORGANIZATION_URL, {"minimum_n": 50}, format="json")
    assert response.status_code == 200, response.content
    org_a.refresh_from_db()
    assert org_a.minimum_n == 50


def test_it_answers_bad_input_with_the_error_envelope(org_a):
    _key, full_key = create_api_key(None, org_a, name="admin", scopes=["admin"])
    response = bearer(full_key).patch(
        ORGANIZATION_URL, {"level_neutral_from": 90, "level_enchantment_from": 80}, format="json"
    )
    body = assert_envelope(response, 400, "invalid")
    assert "level_enchantment_from" in body["fields"]


def test_it_records_the_last_use(org_a):
    api_key, full_key = create_api_key(None, org_a, name="k", scopes=["read"])
    assert api_key.last_used_at is None
    before = timezone.now()
    bearer(full_key).get(ORGANIZATION_URL)
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None and api_key.last_used_at >= before


def test_it_writes_the_last_use_at_most_once_a_minute(org_a):
    api_key, full_key = create_api_key(None, org_a, name="k", scopes=["read"])
    recent = timezone.now() - timedelta(seconds=10)
    ApiKey.objects.unscoped().filter(pk=api_key.pk).update(last_used_at=recent)
    bearer(full_key).get(ORGANIZATION_URL)
    api_key.refresh_from_db()
    assert api_key.last_used_at == recent
    old = timezone.now() - timedelta(minutes=5)
    ApiKey.objects.unscoped().filter(pk=api_key.pk).update(last_used_at=old)
    bearer(full_key).get(ORGANIZATION_URL)
    api_key.refresh_from_db()
    assert api_key.last_used_at > old + timedelta(minutes=4)


@override_settings(API_KEY_RATE_LIMIT=3)
def test_it_rate_limits_each_key(org_a):
    _key, full_key = create_api_key(None, org_a, name="busy", scopes=["read"])
    _other, other_key = create_api_key(None, org_a, name="calm", scopes=["read"])
    client = bearer(full_key)
    for _ in range(3):
        assert client.get(ORGANIZATION_URL).status_code == 200
    response = client.get(ORGANIZATION_URL)
    assert_envelope(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 61
    # The limit is per key: another key of the same organization still gets through.
    assert bearer(other_key).get(ORGANIZATION_URL).status_code == 200


def test_it_stores_only_the_prefix_and_the_secrets_hash(org_a):
    api_key, full_key = create_api_key(None, org_a, name="k", scopes=["ingest", "read"])
    match = KEY_PATTERN.fullmatch(full_key)
    assert match, full_key
    prefix, secret = match.groups()
    stored = ApiKey.objects.unscoped().filter(pk=api_key.pk).values().get()
    assert stored["prefix"] == prefix
    assert stored["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert not any(secret in str(value) for value in stored.values())
    assert stored["scopes"] == ["ingest", "read"]


def test_it_shows_a_new_key_once(client, admin_a, org_a):
    client.force_login(admin_a)
    url = reverse("tenancy:api_keys", kwargs={"org_slug": "alpha"})
    response = client.post(url, {"name": "Shop back-office", "scopes": ["ingest"]})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    match = KEY_PATTERN.search(response.content.decode())
    assert match, "the full key is shown in the answer to the creation"
    full_key, prefix, secret = match.group(0), *match.groups()
    assert b"shown only once" in response.content

    listing = client.get(url).content.decode()
    assert secret not in listing
    assert f"vk_{prefix}_…" in listing
    assert "Shop back-office" in listing
    # And the key shown works.
    response = bearer(full_key).post("/api/v1/contacts/", {"external_id": "c1"}, format="json")
    assert response.status_code == 201, response.content


def test_it_refuses_a_key_without_scope(client, admin_a, org_a):
    client.force_login(admin_a)
    url = reverse("tenancy:api_keys", kwargs={"org_slug": "alpha"})
    response = client.post(url, {"name": "nothing"})
    assert response.status_code == 400
    assert not KEY_PATTERN.search(response.content.decode())
    assert not ApiKey.objects.unscoped().exists()


def test_it_revokes_a_key_from_the_page(client, admin_a, org_a):
    api_key, full_key = create_api_key(admin_a, org_a, name="old", scopes=["read"])
    client.force_login(admin_a)
    response = client.post(
        reverse("tenancy:api_key_revoke", kwargs={"org_slug": "alpha", "pk": api_key.pk})
    )
    assert response.status_code == 302
    assert bearer(full_key).get(ORGANIZATION_URL).status_code == 401
    assert "revoked" in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.unscoped().filter(action="api_key.revoked").count() == 1


def test_it_revokes_a_key_once(org_a, admin_a):
    api_key, _ = create_api_key(admin_a, org_a, name="k", scopes=["read"])
    revoke_api_key(admin_a, api_key)
    first = api_key.revoked_at
    revoke_api_key(admin_a, api_key)
    api_key.refresh_from_db()
    assert api_key.revoked_at == first
    assert AuditEvent.objects.unscoped().filter(action="api_key.revoked").count() == 1


def test_it_returns_the_organizations_settings_and_nothing_secret(org_a):
    _key, full_key = create_api_key(None, org_a, name="reader", scopes=["read"])
    body = bearer(full_key).get(ORGANIZATION_URL).json()
    assert body == {
        "name": "Alpha Shop",
        "slug": "alpha",
        "time_zone": "Europe/Paris",
        "country": "FR",
        "currency": "EUR",
        "default_locale": "en",
        "business_days": [0, 1, 2, 3, 4],
        "business_opens_at": "09:00:00",
        "business_closes_at": "18:00:00",
        "brand_colour": "#1f6feb",
        "level_neutral_from": 60,
        "level_enchantment_from": 80,
        "minimum_n": 30,
    }
    assert org_a.privacy_salt not in str(body)


def test_it_takes_the_organization_from_the_key(org_a, org_b, api_client_for):
    assert api_client_for(org_b).get(ORGANIZATION_URL).json()["slug"] == "beta"
    assert api_client_for(org_a).get(ORGANIZATION_URL).json()["slug"] == "alpha"
