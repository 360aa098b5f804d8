"""GDPR: export everything about a contact, erase it for good (admins only, idempotent, audited),
never contact an erased person again after a re-import, and purge inactive contacts after the
organization's retention period."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.contacts.conftest import CONTACTS_URL, assert_envelope, page_url, stored
from vocapp import registry
from vocapp.contacts.models import (
    AddressOptOut,
    Contact,
    ImportJob,
    ImportRejection,
    SuppressedIdentity,
    address_digest,
)
from vocapp.contacts.tasks import purge_expired_data
from vocapp.contacts.upsert import upsert_contacts
from vocapp.tenancy.models import AuditEvent
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db

ALICE = {
    "external_id": "crm-1",
    "email": "alice@shop.test",
    "phone": "+33612345678",
    "first_name": "Alice",
    "locale": "fr",
    "time_zone": "Europe/Paris",
    "attributes": {"tier": "gold", "age": 41},
    "sms_consent": True,
    "email_opted_out": True,
}
PERSONAL = ("alice@shop.test", "+33612345678", "Alice", "crm-1")


@pytest.fixture
def alice(declared):
    with organization_scope(declared):
        return upsert_contacts([ALICE])[0].contact


@pytest.fixture
def app_records():
    """What a later app (say, surveys) stores about contacts, with its exporter and eraser."""
    answers = {}

    def export(contact):
        return answers.get(contact.pk, [])

    def erase(contact):
        touched = len(answers.get(contact.pk, []))
        answers[contact.pk] = [{**answer, "verbatim": ""} for answer in answers.get(contact.pk, [])]
        return touched

    exporter = registry.GdprExporter("test-answers", export)
    eraser = registry.GdprEraser("test-answers", erase)
    registry.gdpr_exporters.register(exporter)
    registry.gdpr_erasers.register(eraser)
    try:
        yield answers
    finally:
        registry.gdpr_exporters.unregister(exporter.key)
        registry.gdpr_erasers.unregister(eraser.key)


def audit_actions(organization):
    with organization_scope(organization):
        return list(AuditEvent.objects.order_by("id").values_list("action", "actor_label"))


# --- Export ----------------------------------------------------------------------------------


def test_it_exports_everything_stored_about_a_contact_through_the_api(
    api, alice, app_records, declared
):
    app_records[alice.pk] = [{"score": 9, "verbatim": "Lovely shop"}]
    response = api.get(f"{CONTACTS_URL}{alice.pk}/export/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {
        "contact",
        "test-answers",
        "interactions",
        "invitations",
        "messages",
        "responses",
    } == set(body)
    assert body["test-answers"] == [{"score": 9, "verbatim": "Lovely shop"}]
    contact = body["contact"]
    assert {k: contact[k] for k in ("external_id", "email", "phone", "first_name")} == {
        "external_id": "crm-1",
        "email": "alice@shop.test",
        "phone": "+33612345678",
        "first_name": "Alice",
    }
    assert (contact["locale"], contact["time_zone"]) == ("fr", "Europe/Paris")
    assert contact["attributes"] == {"tier": "gold", "age": 41}
    assert contact["consent"]["sms"] is not None and contact["consent"]["email"] is None
    assert contact["opted_out"]["email"] is not None
    assert [(o["channel"], o["address"]) for o in contact["address_opt_outs"]] == [
        ("email", "alice@shop.test")
    ]
    assert audit_actions(declared)[-1][0] == "contact.exported"
    assert audit_actions(declared)[-1][1].startswith("API key tests")


def test_it_exports_the_same_through_the_profile_button(
    client_as, manager_a, api, alice, app_records, declared
):
    app_records[alice.pk] = [{"score": 3, "verbatim": "Too slow"}]
    response = client_as(manager_a).get(page_url(declared, f"contacts/{alice.pk}/export/"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert f'filename="contact-{alice.pk}.json"' in response["Content-Disposition"]
    from_page = json.loads(response.content)
    assert from_page == api.get(f"{CONTACTS_URL}{alice.pk}/export/").json()
    assert ("contact.exported", "manager@alpha.test") in audit_actions(declared)


def test_it_keeps_exports_from_agents_and_other_organizations(
    client_as, agent_a, outsider, alice, org_b, api_client_for, declared
):
    assert (
        client_as(agent_a).get(page_url(declared, f"contacts/{alice.pk}/export/")).status_code
        == 403
    )
    other = api_client_for(org_b)
    assert_envelope(other.get(f"{CONTACTS_URL}{alice.pk}/export/"), 404, "not_found")
    ingest = api_client_for(declared, scopes=("ingest",))
    assert_envelope(ingest.get(f"{CONTACTS_URL}{alice.pk}/export/"), 403, "permission_denied")


# --- Erase -----------------------------------------------------------------------------------


def test_it_erases_a_contact_through_the_api_keeping_the_row_for_aggregates(
    api, alice, app_records, declared
):
    app_records[alice.pk] = [{"score": 9, "verbatim": "Lovely shop"}]
    response = api.post(f"{CONTACTS_URL}{alice.pk}/erase/")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "erased": True,
        "rows": {
            "test-answers": 1,
            "import_rejections": 0,
            "contact": 1,
            "interactions": 0,
            "messages": 0,
            "answers": 0,
        },
    }
    # The answer still counts (its score), says nothing of who.
    assert app_records[alice.pk] == [{"score": 9, "verbatim": ""}]
    with organization_scope(declared):
        contact = Contact.objects.get(pk=alice.pk)
        assert Contact.objects.count() == 1
        assert not AddressOptOut.objects.exists()
        digests = set(SuppressedIdentity.objects.values_list("kind", "digest"))
    assert contact.erased_at is not None
    assert contact.external_id == f"erased-{alice.pk}"
    assert (contact.email, contact.phone, contact.first_name, contact.time_zone) == ("",) * 4
    assert contact.attributes == {}
    assert contact.sms_consent_at is None
    assert contact.sms_opted_out_at and contact.email_opted_out_at
    # Only salted hashes remain of its addresses.
    assert digests == {
        ("email", address_digest(declared, "alice@shop.test")),
        ("phone", address_digest(declared, "+33612345678")),
        ("external_id", address_digest(declared, "crm-1")),
    }
    detail = api.get(f"{CONTACTS_URL}{alice.pk}/").json()
    assert detail["erased"] is True and detail["email"] == ""
    exported = api.get(f"{CONTACTS_URL}{alice.pk}/export/").json()
    assert not any(value in json.dumps(exported) for value in PERSONAL)


def test_it_erases_idempotently_and_audits_every_request(api, alice, app_records, declared):
    first = api.post(f"{CONTACTS_URL}{alice.pk}/erase/").json()
    with organization_scope(declared):
        suppressed = SuppressedIdentity.objects.count()
        erased_at = Contact.objects.get(pk=alice.pk).erased_at
    second = api.post(f"{CONTACTS_URL}{alice.pk}/erase/")
    assert second.status_code == 200
    assert second.json() == {
        "erased": True,
        "rows": {
            "test-answers": 0,
            "import_rejections": 0,
            "contact": 0,
            "interactions": 0,
            "messages": 0,
            "answers": 0,
        },
    }
    assert first["rows"]["contact"] == 1
    with organization_scope(declared):
        assert SuppressedIdentity.objects.count() == suppressed == 3
        assert Contact.objects.get(pk=alice.pk).erased_at == erased_at
        assert Contact.objects.count() == 1
    erasures = [a for a in audit_actions(declared) if a[0] == "contact.erased"]
    assert len(erasures) == 2


def test_it_leaves_nothing_personal_in_the_audit_log_after_an_erase(
    api, client_as, admin_a, alice, declared
):
    client = client_as(admin_a)
    client.get(page_url(declared, f"contacts/{alice.pk}/export/"))
    client.post(page_url(declared, f"contacts/{alice.pk}/opt-out/"), {"channel": "sms"})
    client.post(page_url(declared, f"contacts/{alice.pk}/erase/"))
    with organization_scope(declared):
        events = list(
            AuditEvent.objects.filter(object_type="contacts.contact").values(
                "object_repr", "changes"
            )
        )
    assert len(events) == 3
    for event in events:
        text = json.dumps(event, ensure_ascii=False)
        assert not any(value in text for value in PERSONAL), event


def test_it_lets_only_admins_erase(client_as, admin_a, manager_a, agent_a, alice, declared):
    url = page_url(declared, f"contacts/{alice.pk}/erase/")
    for member in (manager_a, agent_a):
        assert client_as(member).post(url).status_code == 403
        assert stored(declared, "crm-1").erased_at is None
    response = client_as(admin_a).post(url)
    assert response.status_code == 302
    with organization_scope(declared):
        assert Contact.objects.get(pk=alice.pk).erased_at is not None
    assert ("contact.erased", "admin@alpha.test") in audit_actions(declared)


@pytest.mark.parametrize("scopes", [("read",), ("ingest",), ("read", "ingest")])
def test_it_needs_the_admin_scope_to_erase_through_the_api(api_client_for, alice, declared, scopes):
    client = api_client_for(declared, scopes=scopes)
    assert_envelope(client.post(f"{CONTACTS_URL}{alice.pk}/erase/"), 403, "permission_denied")
    assert stored(declared, "crm-1").erased_at is None


def test_it_answers_404_to_an_erase_of_another_organizations_contact(api_client_for, alice, org_b):
    other = api_client_for(org_b)
    assert_envelope(other.post(f"{CONTACTS_URL}{alice.pk}/erase/"), 404, "not_found")
    assert Contact.objects.unscoped().get(pk=alice.pk).erased_at is None


# --- Never contacted again -------------------------------------------------------------------


@pytest.mark.parametrize(
    "comeback",
    [
        {"external_id": "crm-1"},
        {"external_id": "card-77", "email": "ALICE@shop.test"},
        {"external_id": "card-78", "phone": "06 12 34 56 78"},
    ],
)
def test_it_never_contacts_an_erased_person_again_after_a_re_import_through_the_api(
    api, alice, declared, comeback
):
    api.post(f"{CONTACTS_URL}{alice.pk}/erase/")
    response = api.post(CONTACTS_URL, {**comeback, "sms_consent": True}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["opted_out"] == {"sms": True, "email": True}
    assert response.json()["id"] != alice.pk


def test_it_never_contacts_an_erased_person_again_after_a_csv_import(
    api,
    client_as,
    manager_a,
    alice,
    declared,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path
    api.post(f"{CONTACTS_URL}{alice.pk}/erase/")
    client = client_as(manager_a)
    content = (
        b"external_id,email,phone\n"
        b"new-1,alice@shop.test,\n"
        b"new-2,,+33612345678\n"
        b"new-3,zoe@shop.test,\n"
    )
    client.post(
        page_url(declared, "imports/"),
        {"kind": "contacts", "file": SimpleUploadedFile("again.csv", content)},
    )
    with organization_scope(declared):
        job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            page_url(declared, f"imports/{job.pk}/"),
            {"map-0": "external_id", "map-1": "email", "map-2": "phone"},
        )
    for external_id, blocked in (("new-1", True), ("new-2", True), ("new-3", False)):
        contact = stored(declared, external_id)
        assert (contact.sms_opted_out_at is not None) is blocked, external_id
        assert (contact.email_opted_out_at is not None) is blocked, external_id


def test_it_suppresses_an_erased_person_only_in_its_own_organization(
    api, alice, org_b, api_client_for
):
    api.post(f"{CONTACTS_URL}{alice.pk}/erase/")
    alice_at_b = {k: v for k, v in ALICE.items() if k != "attributes"}
    body = api_client_for(org_b).post(CONTACTS_URL, alice_at_b, format="json").json()
    assert body["opted_out"] == {"sms": False, "email": True}  # only what B's row asked


# --- Retention -------------------------------------------------------------------------------


def test_it_purges_contacts_inactive_for_longer_than_the_organization_keeps_them(org_a, org_b):
    org_a.retention_months = 12
    org_a.save()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for organization in (org_a, org_b):
            with organization_scope(organization):
                upsert_contacts(
                    [
                        {"external_id": "quiet", "email": "quiet@shop.test"},
                        {"external_id": "regular", "email": "regular@shop.test"},
                    ]
                )
    with time_machine.travel(start + timedelta(days=200), tick=False), organization_scope(org_a):
        upsert_contacts([{"external_id": "regular"}])  # mentioned again, unchanged

    with time_machine.travel(start + timedelta(days=364), tick=False):
        purge_expired_data()
    with organization_scope(org_a):
        assert not Contact.objects.filter(erased_at__isnull=False).exists()

    with time_machine.travel(start + timedelta(days=366), tick=False):
        purge_expired_data.delay()  # as beat sends it (inline in tests)
        purge_expired_data()  # a second run erases nothing more
    with organization_scope(org_a):
        erased = Contact.objects.get(erased_at__isnull=False)
        assert (erased.external_id, erased.email) == (f"erased-{erased.pk}", "")
        assert stored(org_a, "regular").erased_at is None
        assert SuppressedIdentity.objects.count() == 2
        assert list(
            AuditEvent.objects.filter(action="contact.erased").values_list("actor_label", flat=True)
        ) == ["system"]
    # Organization B keeps contacts for the default 36 months.
    with organization_scope(org_b):
        assert not Contact.objects.filter(erased_at__isnull=False).exists()
    with time_machine.travel(start + timedelta(days=36 * 31), tick=False):
        purge_expired_data()
    with organization_scope(org_b):
        assert Contact.objects.filter(erased_at__isnull=False).count() == 2


def test_it_erases_rejected_import_rows_that_name_the_contact(api, alice, declared):
    with organization_scope(declared):
        job = ImportJob.objects.create(kind="contacts", file="imports/old.csv")
        rejections = [
            {"external_id": "crm-1", "email": "alice@shop", "phone": ""},  # by id
            {"external_id": "", "email": "alice@shop.test", "phone": "12"},  # by address
            {"external_id": "crm-9", "email": "zoe@shop", "phone": ""},  # someone else
        ]
        for number, values in enumerate(rejections, start=2):
            ImportRejection.objects.create(
                job=job, row_number=number, values=values, errors={"email": ["invalid"]}
            )
    assert api.post(f"{CONTACTS_URL}{alice.pk}/erase/").status_code == 200
    with organization_scope(declared):
        left = list(ImportRejection.objects.values_list("values__external_id", flat=True))
    assert left == ["crm-9"]
