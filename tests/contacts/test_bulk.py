"""``POST /api/v1/contacts/bulk/``: up to 10,000 contacts, one answer per row, bounded queries."""

import pytest

from tests.contacts.conftest import BULK_URL, assert_envelope, stored
from vocapp.contacts.models import AddressOptOut, Contact
from vocapp.contacts.upsert import upsert_contacts
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db

# What one bulk request may cost, whatever its size (API key, attributes, the look-ups of existing
# contacts, opt-outs and suppressions, the writes, savepoints): 100 rows and 10,000 rows alike.
QUERY_BOUND = 15


def bulk_rows(count, *, start=0, **extra):
    return [
        {
            "external_id": f"crm-{i}",
            "email": f"customer{i}@example.com",
            "phone": f"+3361{i:07d}",
            "first_name": f"Customer {i}",
            "attributes": {"age": 20 + i % 50, "tier": "gold" if i % 2 else "silver"},
            **extra,
        }
        for i in range(start, start + count)
    ]


def post_bulk(api, rows):
    return api.post(BULK_URL, {"contacts": rows}, format="json")


@pytest.mark.parametrize("size", [100, 10_000])
def test_it_upserts_a_batch_in_a_bounded_number_of_queries_whatever_its_size(
    api, declared, size, django_assert_max_num_queries
):
    half = size // 2
    with organization_scope(declared):
        upsert_contacts(bulk_rows(half))
    # Half the rows update existing contacts, half create; some opt out, two are rejected.
    rows = bulk_rows(size, first_name="Renamed")
    for row in rows[::10]:
        row["sms_opted_out"] = True
    rows[1]["phone"] = "12"
    rows[-1]["attributes"] = {"colour": "red"}
    with django_assert_max_num_queries(QUERY_BOUND):
        response = post_bulk(api, rows)
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert len(body["results"]) == size
    assert body["rejected"] == 2
    assert body["updated"] == half - 1
    assert body["created"] == size - half - 1
    with organization_scope(declared):
        assert Contact.objects.count() == size - 1
        assert Contact.objects.filter(first_name="Renamed").count() == size - 2
        assert AddressOptOut.objects.filter(channel="sms").count() == size // 10


def test_it_answers_every_row_of_10000_in_order_with_its_status_and_reasons(api, declared):
    with organization_scope(declared):
        upsert_contacts(bulk_rows(3))
    rows = bulk_rows(10_000)
    rows[0]["first_name"] = "Changed"  # existing, changed
    # rows[1] and rows[2]: existing, sent as they are (unchanged)
    rows[5]["phone"] = "+33 1"
    rows[6]["attributes"] = {"age": "old", "vip": "maybe"}
    rows[7] = {"email": "no-id@example.com"}
    rows[8] = {"external_id": "crm-9", "first_name": "twice"}  # rows[9] is crm-9 too
    rows[10]["nickname"] = "Bob"
    response = post_bulk(api, rows)
    assert response.status_code == 200
    body = response.json()
    results = body["results"]
    assert [r["index"] for r in results] == list(range(10_000))
    assert set(results[0]) == {"index", "external_id", "status", "errors"}
    assert results[0] == {"index": 0, "external_id": "crm-0", "status": "updated", "errors": {}}
    assert [r["status"] for r in results[1:3]] == ["unchanged", "unchanged"]
    assert results[3] == {"index": 3, "external_id": "crm-3", "status": "created", "errors": {}}
    assert results[5]["status"] == "rejected"
    assert list(results[5]["errors"]) == ["phone"]
    assert set(results[6]["errors"]) == {"attributes.age", "attributes.vip"}
    assert results[7]["external_id"] is None
    assert list(results[7]["errors"]) == ["external_id"]
    assert results[8]["status"] == "created"
    assert results[9]["status"] == "rejected"
    assert "row 8" in results[9]["errors"]["external_id"][0]
    assert list(results[10]["errors"]) == ["nickname"]
    assert (body["created"], body["updated"], body["unchanged"], body["rejected"]) == (
        10_000 - 3 - 5,
        1,
        2,
        5,
    )
    assert stored(declared, "crm-9").first_name == "twice"
    with organization_scope(declared):
        assert Contact.objects.count() == 10_000 - 5


def test_it_refuses_more_than_10000_contacts_with_a_clear_message(api, org_a):
    rows = [{"external_id": f"c{i}"} for i in range(10_001)]
    body = assert_envelope(post_bulk(api, rows), 400)
    assert list(body["fields"]) == ["contacts"]
    assert "10000" in body["fields"]["contacts"][0]
    with organization_scope(org_a):
        assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "contacts"),
        ({"contacts": []}, "contacts"),
        ({"contacts": "crm-1"}, "contacts"),
        ({"contacts": [{"external_id": "a"}, "b"]}, "contacts.1"),
    ],
)
def test_it_refuses_a_malformed_batch_naming_what_is_wrong(api, payload, field):
    body = assert_envelope(api.post(BULK_URL, payload, format="json"), 400)
    assert list(body["fields"]) == [field]


def test_it_keeps_a_later_row_with_an_address_opted_out_earlier_in_the_batch_opted_out(api, org_a):
    rows = [
        {"external_id": "old-card", "phone": "+33612345678", "sms_opted_out": True},
        {"external_id": "new-card", "phone": "0612345678"},
    ]
    results = post_bulk(api, rows).json()["results"]
    assert [r["status"] for r in results] == ["created", "created"]
    assert stored(org_a, "new-card").sms_opted_out_at is not None


def test_it_needs_the_ingest_scope_for_bulk(org_a, api_client_for):
    reader = api_client_for(org_a, scopes=("read",))
    assert_envelope(post_bulk(reader, bulk_rows(2)), 403, "permission_denied")
    assert post_bulk(api_client_for(org_a, scopes=("ingest",)), bulk_rows(2)).status_code == 200
