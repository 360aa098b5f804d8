"""Upserting one contact by ``external_id``: the API and the service share the semantics.

An absent field is unchanged, an explicit null clears it, an opt-out is never cleared by an upsert
and is also held per normalised address; phones are stored in E.164 and attributes are checked
against the organization's declared attributes, with errors naming the field.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.contacts.conftest import CONTACTS_URL, assert_envelope, page_url, stored
from vocapp.contacts.models import AddressOptOut, Contact
from vocapp.contacts.upsert import upsert_contacts
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db


def post(api, **body):
    return api.post(CONTACTS_URL, body, format="json")


def test_it_creates_a_contact_and_answers_201_with_its_normalised_fields(api, declared):
    response = post(
        api,
        external_id="crm-1",
        email=" Alice@Example.COM ",
        phone="06 12 34 56 78",
        first_name="Alice",
        locale="fr-FR",
        time_zone="Europe/Paris",
        attributes={"tier": "gold", "age": "42", "vip": "yes", "since": "2023-05-01"},
        sms_consent=True,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["external_id"] == "crm-1"
    assert body["email"] == "alice@example.com"
    assert body["phone"] == "+33612345678"
    assert body["locale"] == "fr"
    assert body["attributes"] == {"tier": "gold", "age": 42, "vip": True, "since": "2023-05-01"}
    assert body["consent"] == {"sms": True, "email": False}
    assert body["opted_out"] == {"sms": False, "email": False}
    contact = stored(declared, "crm-1")
    assert contact.pk == body["id"]
    assert contact.phone == "+33612345678"
    assert contact.sms_consent_at is not None


def test_it_updates_by_external_id_and_keeps_the_fields_it_was_not_given(api, declared):
    first = post(
        api,
        external_id="crm-1",
        email="alice@example.com",
        phone="+33612345678",
        first_name="Alice",
        attributes={"tier": "gold", "city": "Lyon"},
    )
    assert first.status_code == 201
    response = post(api, external_id="crm-1", first_name="Alicia", attributes={"tier": "silver"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == first.json()["id"]
    assert body["created_at"] == first.json()["created_at"]
    assert body["updated_at"] > first.json()["updated_at"]
    assert body["first_name"] == "Alicia"
    # Absent fields are unchanged; attributes merge key by key.
    assert body["email"] == "alice@example.com"
    assert body["phone"] == "+33612345678"
    assert body["attributes"] == {"tier": "silver", "city": "Lyon"}
    with organization_scope(declared):
        assert Contact.objects.filter(external_id="crm-1").count() == 1


def test_it_clears_a_field_given_as_an_explicit_null(api, declared):
    post(
        api,
        external_id="crm-1",
        email="alice@example.com",
        first_name="Alice",
        attributes={"tier": "gold", "city": "Lyon"},
        email_consent=True,
    )
    body = post(
        api,
        external_id="crm-1",
        email=None,
        attributes={"city": None},
        email_consent=None,
    ).json()
    assert body["email"] == ""
    assert body["first_name"] == "Alice"
    assert body["attributes"] == {"tier": "gold"}
    assert body["consent"]["email"] is False
    assert post(api, external_id="crm-1", attributes=None).json()["attributes"] == {}


def test_it_answers_200_and_changes_nothing_when_the_same_contact_is_sent_again(api):
    created = post(api, external_id="crm-1", email="a@example.com").json()
    again = post(api, external_id="crm-1", email="a@example.com")
    assert again.status_code == 200
    assert again.json()["updated_at"] == created["updated_at"]


def test_it_never_clears_an_opt_out_through_an_upsert(api, org_a):
    post(api, external_id="crm-1", phone="+33612345678", sms_opted_out=True)
    for body in (
        {"sms_opted_out": False},
        {"sms_opted_out": None},
        {"sms_consent": True},
        {"phone": "+33612345678", "sms_opted_out": False},
    ):
        response = post(api, external_id="crm-1", **body)
        assert response.status_code == 200, response.content
        assert response.json()["opted_out"]["sms"] is True, body
    assert stored(org_a, "crm-1").sms_opted_out_at is not None


def test_it_keeps_a_new_contact_with_an_opted_out_phone_opted_out(api, org_a):
    post(api, external_id="crm-1", phone="+33612345678", sms_opted_out=True)
    with organization_scope(org_a):
        assert AddressOptOut.objects.filter(channel="sms", address="+33612345678").exists()
    # The same phone in national format, on a brand-new contact.
    body = post(api, external_id="crm-2", phone="06.12.34.56.78").json()
    assert body["phone"] == "+33612345678"
    assert body["opted_out"] == {"sms": True, "email": False}


def test_it_keeps_a_new_contact_with_an_opted_out_email_opted_out_whatever_its_case(
    api, org_a, admin_a, client_as
):
    contact = post(api, external_id="crm-1", email="bob@example.com").json()
    # Opted out on the profile page (the customer called the shop).
    response = client_as(admin_a).post(
        page_url(org_a, f"contacts/{contact['id']}/opt-out/"), {"channel": "email"}
    )
    assert response.status_code == 302
    body = post(api, external_id="crm-2", email="BOB@Example.com").json()
    assert body["opted_out"] == {"sms": False, "email": True}


def test_it_opts_out_a_contact_whose_phone_changes_to_an_opted_out_address(api):
    post(api, external_id="crm-1", phone="+33612345678", sms_opted_out=True)
    post(api, external_id="crm-2", phone="+33698765432")
    body = post(api, external_id="crm-2", phone="+33612345678").json()
    assert body["opted_out"]["sms"] is True


def test_it_holds_opt_outs_per_organization(api, org_b, api_client_for):
    post(api, external_id="crm-1", phone="+33612345678", sms_opted_out=True)
    body = post(api_client_for(org_b), external_id="crm-1", phone="+33612345678").json()
    assert body["opted_out"]["sms"] is False


@pytest.mark.parametrize(
    ("country", "given", "expected"),
    [
        ("FR", "06 12 34 56 78", "+33612345678"),
        ("FR", "+33 6 12 34 56 78", "+33612345678"),
        ("GB", "07400 123456", "+447400123456"),
        ("GB", "+33612345678", "+33612345678"),
    ],
)
def test_it_stores_phones_in_e164_reading_national_numbers_in_the_organization_country(
    org_a, api, country, given, expected
):
    org_a.country = country
    org_a.save()
    body = post(api, external_id="crm-1", phone=given).json()
    assert body["phone"] == expected
    assert stored(org_a, "crm-1").phone == expected


@pytest.mark.parametrize("phone", ["12", "not a phone", "+33 1", "06 12 34 56 78 90 12"])
def test_it_refuses_an_invalid_phone_naming_the_field(api, org_a, phone):
    body = assert_envelope(post(api, external_id="crm-1", phone=phone), 400)
    assert list(body["fields"]) == ["phone"]
    assert phone in body["fields"]["phone"][0]
    assert "phone" in body["detail"]
    with organization_scope(org_a):
        assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("attributes", "field", "words"),
    [
        ({"colour": "red"}, "attributes.colour", "not a declared attribute"),
        ({"age": "forty"}, "attributes.age", "must be a number"),
        ({"age": True}, "attributes.age", "must be a number"),
        ({"age": "NaN"}, "attributes.age", "must be a number"),
        ({"age": "1e400"}, "attributes.age", "must be a number"),
        ({"vip": "maybe"}, "attributes.vip", "true or false"),
        ({"since": "2024-02-30"}, "attributes.since", "YYYY-MM-DD"),
        ({"tier": ["gold"]}, "attributes.tier", "must be text"),
        ({"tier": "x" * 501}, "attributes.tier", "500 characters"),
    ],
)
def test_it_checks_attributes_against_the_declared_ones_naming_the_attribute(
    api, declared, attributes, field, words
):
    body = assert_envelope(post(api, external_id="crm-1", attributes=attributes), 400)
    assert list(body["fields"]) == [field]
    assert words in body["fields"][field][0]
    assert field in body["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "alice@"}, "email"),
        ({"email": 12}, "email"),
        ({"locale": "xx"}, "locale"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"sms_consent": "yes"}, "sms_consent"),
        ({"attributes": ["tier"]}, "attributes"),
        ({"favourite_colour": "red"}, "favourite_colour"),
    ],
)
def test_it_refuses_a_bad_field_naming_it(api, declared, body, field):
    response = assert_envelope(post(api, external_id="crm-1", **body), 400)
    assert list(response["fields"]) == [field]


@pytest.mark.parametrize("external_id", [None, "", "x" * 101])
def test_it_requires_a_usable_external_id(api, external_id):
    body = {} if external_id is None else {"external_id": external_id}
    response = assert_envelope(api.post(CONTACTS_URL, body, format="json"), 400)
    assert "external_id" in response["fields"]


def test_it_refuses_a_body_that_is_not_an_object(api):
    response = assert_envelope(api.post(CONTACTS_URL, [{"external_id": "a"}], format="json"), 400)
    assert response["fields"]


def test_it_reports_every_bad_field_of_a_contact_at_once(api, declared):
    body = assert_envelope(
        post(api, external_id="crm-1", email="nope", phone="12", attributes={"age": "x"}), 400
    )
    assert set(body["fields"]) == {"email", "phone", "attributes.age"}


def test_it_updates_through_patch_but_never_changes_the_external_id(api, org_a):
    contact = post(api, external_id="crm-1", first_name="Alice").json()
    url = f"{CONTACTS_URL}{contact['id']}/"
    response = api.patch(url, {"first_name": "Alicia"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["first_name"] == "Alicia"
    body = assert_envelope(api.patch(url, {"external_id": "crm-2"}, format="json"), 400)
    assert list(body["fields"]) == ["external_id"]
    assert stored(org_a, "crm-1").first_name == "Alicia"


def test_it_needs_the_ingest_scope_to_upsert(org_a, api_client_for):
    reader = api_client_for(org_a, scopes=("read",))
    assert_envelope(post(reader, external_id="crm-1"), 403, "permission_denied")
    ingest = api_client_for(org_a, scopes=("ingest",))
    assert post(ingest, external_id="crm-1").status_code == 201


def test_it_reports_created_updated_and_unchanged_rows_through_the_service(scope_a, declared):
    first = upsert_contacts([{"external_id": "a", "attributes": {"age": 30}}])
    assert [r.status for r in first] == ["created"]
    again = upsert_contacts(
        [
            {"external_id": "a", "attributes": {"age": 30}},
            {"external_id": "b"},
            {"external_id": "b"},
        ]
    )
    assert [r.status for r in again] == ["unchanged", "created", "rejected"]
    assert "appears twice" in again[2].errors["external_id"][0]
    third = upsert_contacts([{"external_id": "a", "attributes": {"age": 31}}])
    assert [r.status for r in third] == ["updated"]
    assert Contact.objects.get(external_id="a").attributes == {"age": 31}


def test_it_counts_an_unchanged_upsert_as_activity(scope_a):
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        upsert_contacts([{"external_id": "a", "first_name": "Ann"}])
    before = Contact.objects.get(external_id="a")
    results = upsert_contacts([{"external_id": "a", "first_name": "Ann"}])
    assert results[0].status == "unchanged"
    after = Contact.objects.get(external_id="a")
    assert after.last_seen_at > before.last_seen_at + timedelta(days=399)
    assert after.updated_at == before.updated_at


def test_it_refuses_a_number_too_large_for_json_naming_the_attribute(api, declared):
    response = api.generic(
        "POST",
        CONTACTS_URL,
        '{"external_id": "crm-1", "attributes": {"age": 1e999}}',
        content_type="application/json",
    )
    body = assert_envelope(response, 400)
    assert list(body["fields"]) == ["attributes.age"]
