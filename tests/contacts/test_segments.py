"""Segments: the one filter format (conditions joined by AND), every operator on every type,
validation naming the bad condition, attribute names kept out of SQL text, and the previews."""

import pytest
from django.db import connection

from tests.contacts.conftest import PREVIEW_URL, SEGMENTS_URL, assert_envelope, page_url
from vocapp.contacts.gdpr import erase_contact
from vocapp.contacts.models import AttributeDefinition, Contact, Segment
from vocapp.contacts.segments import SegmentError, matching_contacts
from vocapp.contacts.upsert import attribute_kinds, upsert_contacts
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db

PEOPLE = [
    {
        "external_id": "c1",
        "first_name": "Alice",
        "email": "alice@shop.test",
        "phone": "+33612345678",
        "locale": "fr",
        "time_zone": "Europe/Paris",
        "attributes": {
            "tier": "gold",
            "city": "Lyon",
            "age": 41,
            "vip": True,
            "since": "2020-01-15",
        },
    },
    {
        "external_id": "c2",
        "first_name": "Bruno",
        "email": "bruno@bank.test",
        "locale": "en",
        "attributes": {
            "tier": "silver",
            "city": "Paris",
            "age": 9,
            "vip": False,
            "since": "2023-06-01",
        },
    },
    {
        "external_id": "c3",
        "phone": "+33698765432",
        "attributes": {"tier": "gold", "age": 100, "since": "2024-12-31"},
    },
    {"external_id": "c4", "first_name": "Dalia", "email": "dalia@shop.test"},
]


@pytest.fixture
def people(declared):
    with organization_scope(declared):
        upsert_contacts([*PEOPLE, {"external_id": "gone", "attributes": {"tier": "gold"}}])
        erase_contact(None, Contact.objects.get(external_id="gone"))
    return declared


def matches(organization, conditions):
    with organization_scope(organization):
        found = matching_contacts(conditions, attribute_kinds())
        return sorted(found.values_list("external_id", flat=True))


def cond(attribute, op, value):
    return {"attribute": attribute, "op": op, "value": value}


CASES = [
    # Text attributes.
    ([cond("tier", "eq", "gold")], ["c1", "c3"]),
    ([cond("tier", "neq", "gold")], ["c2", "c4"]),
    ([cond("tier", "in", ["gold", "silver"])], ["c1", "c2", "c3"]),
    ([cond("tier", "exists", True)], ["c1", "c2", "c3"]),
    ([cond("tier", "exists", False)], ["c4"]),
    ([cond("city", "contains", "PAR")], ["c2"]),
    # Numbers compare as numbers (9 < 41 < 100), not as text.
    ([cond("age", "eq", 41)], ["c1"]),
    ([cond("age", "eq", "41")], ["c1"]),
    ([cond("age", "neq", 41)], ["c2", "c3", "c4"]),
    ([cond("age", "in", [9, 100])], ["c2", "c3"]),
    ([cond("age", "gte", 41)], ["c1", "c3"]),
    ([cond("age", "lte", 41)], ["c1", "c2"]),
    ([cond("age", "gte", 10), cond("age", "lte", 99.5)], ["c1"]),
    ([cond("age", "exists", True)], ["c1", "c2", "c3"]),
    ([cond("age", "exists", False)], ["c4"]),
    # Booleans.
    ([cond("vip", "eq", True)], ["c1"]),
    ([cond("vip", "eq", "no")], ["c2"]),
    ([cond("vip", "neq", True)], ["c2", "c3", "c4"]),
    ([cond("vip", "in", [True, False])], ["c1", "c2"]),
    ([cond("vip", "exists", False)], ["c3", "c4"]),
    # Dates.
    ([cond("since", "eq", "2020-01-15")], ["c1"]),
    ([cond("since", "neq", "2020-01-15")], ["c2", "c3", "c4"]),
    ([cond("since", "in", ["2023-06-01", "2024-12-31"])], ["c2", "c3"]),
    ([cond("since", "gte", "2023-06-01")], ["c2", "c3"]),
    ([cond("since", "lte", "2023-06-01")], ["c1", "c2"]),
    ([cond("since", "exists", True)], ["c1", "c2", "c3"]),
    # Built-in fields.
    ([cond("email", "eq", "alice@shop.test")], ["c1"]),
    ([cond("email", "neq", "alice@shop.test")], ["c2", "c3", "c4"]),
    ([cond("email", "contains", "@SHOP")], ["c1", "c4"]),
    ([cond("email", "exists", False)], ["c3"]),
    ([cond("phone", "exists", True)], ["c1", "c3"]),
    ([cond("first_name", "in", ["Alice", "Dalia"])], ["c1", "c4"]),
    ([cond("first_name", "contains", "li")], ["c1", "c4"]),
    ([cond("locale", "eq", "fr")], ["c1"]),
    ([cond("time_zone", "exists", True)], ["c1"]),
    ([cond("external_id", "in", ["c2", "c4", "nobody"])], ["c2", "c4"]),
    # AND of several conditions; none matches every (not erased) contact.
    ([cond("tier", "eq", "gold"), cond("phone", "exists", True), cond("age", "gte", 50)], ["c3"]),
    ([], ["c1", "c2", "c3", "c4"]),
]


@pytest.mark.parametrize(("conditions", "expected"), CASES)
def test_it_matches_every_operator_on_every_type(people, conditions, expected):
    assert matches(people, conditions) == expected


def test_it_covers_every_operator_each_type_allows_in_its_cases():
    kind_of = {"tier": "text", "city": "text", "age": "number", "vip": "boolean"}
    kind_of |= {"since": "date", "email": "builtin", "first_name": "builtin"}
    covered = {
        (kind_of.get(c["attribute"], "builtin"), c["op"])
        for conditions, _ in CASES
        for c in conditions
    }
    every = ("eq", "neq", "in", "exists")
    allowed = {
        "text": (*every, "contains"),
        "number": (*every, "gte", "lte"),
        "boolean": every,
        "date": (*every, "gte", "lte"),
        "builtin": (*every, "contains"),
    }
    assert {(kind, op) for kind, ops in allowed.items() for op in ops} - covered == set()


@pytest.mark.parametrize(
    ("conditions", "key", "words"),
    [
        ([cond("colour", "eq", "red")], "conditions.0.attribute", "not a declared attribute"),
        (
            [cond("tier", "eq", "gold"), cond("tier", "gte", "gold")],
            "conditions.1.value",
            "needs a number or date",
        ),
        ([cond("age", "eq", "forty")], "conditions.0.value", "Must be a number"),
        ([cond("age", "contains", "4")], "conditions.0.value", "text attribute"),
        ([cond("vip", "eq", "maybe")], "conditions.0.value", "true or false"),
        ([cond("vip", "lte", True)], "conditions.0.value", "number or date"),
        ([cond("since", "gte", "yesterday")], "conditions.0.value", "YYYY-MM-DD"),
        ([cond("email", "gte", "a")], "conditions.0.value", "number or date"),
        ([cond("tier", "in", [])], "conditions.0.value", "non-empty list"),
        ([cond("tier", "in", "gold")], "conditions.0.value", "non-empty list"),
        ([cond("tier", "exists", "yes")], "conditions.0.value", "true or false"),
        ([cond("tier", "eq", None)], "conditions.0.value", "required"),
        ([cond("tier", "like", "gold")], "conditions.0.op", "not one of"),
        (["tier = gold"], "conditions.0.condition", "must be an object"),
        ({"attribute": "tier"}, "conditions", "must be a list"),
        ([cond("tier", "eq", "gold")] * 21, "conditions", "20 conditions at most"),
    ],
)
def test_it_refuses_bad_conditions_naming_the_condition(people, conditions, key, words):
    with pytest.raises(SegmentError) as raised:
        matches(people, conditions)
    assert list(raised.value.errors) == [key]
    assert words in " ".join(raised.value.errors[key])


@pytest.mark.parametrize(
    "attribute",
    [
        "tier' OR '1'='1",
        'tier"); DROP TABLE contacts_contact; --',
        "attributes__tier",
        "organization_id",
        ["tier"],
        {"name": "tier"},
        None,
        7,
    ],
)
def test_it_refuses_attribute_names_it_does_not_know_without_a_500(api, people, attribute):
    response = api.post(PREVIEW_URL, {"conditions": [cond(attribute, "eq", "gold")]}, format="json")
    body = assert_envelope(response, 400)
    assert list(body["fields"]) == ["conditions.0.attribute"]
    with organization_scope(people):
        assert Contact.objects.count() == 5


def test_it_passes_attribute_names_to_sql_as_parameters_never_as_text(people):
    """Even a declared name with quotes (as an old row or a raw insert could hold) is safe."""
    name = "it's\"; DROP TABLE contacts_contact; --"
    with organization_scope(people):
        AttributeDefinition.objects.create(name=name, kind="number")
        Contact.objects.filter(external_id="c2").update(attributes={name: 7})
    assert matches(people, [cond(name, "gte", 5)]) == ["c2"]
    assert matches(people, [cond(name, "exists", True)]) == ["c2"]
    with organization_scope(people):
        for op, value in (("eq", 7), ("neq", 7), ("in", [7]), ("lte", 7), ("exists", False)):
            found = matching_contacts([cond(name, op, value)], attribute_kinds())
            sql, params = found.query.sql_with_params()
            assert "DROP TABLE" not in sql, op
            assert name in params, op
        assert Contact.objects.count() == 5
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('contacts_contact')")
        assert cursor.fetchone()[0] == "contacts_contact"


@pytest.mark.parametrize("name", ["tier'x", "Tier", "1tier", "t" * 41, "a b", "attributes.x"])
def test_it_refuses_to_declare_an_attribute_name_that_is_not_a_plain_identifier(api, org_a, name):
    body = assert_envelope(
        api.post("/api/v1/contact-attributes/", {"name": name, "kind": "text"}, format="json"),
        400,
    )
    assert list(body["fields"]) == ["name"]
    with organization_scope(org_a):
        assert not AttributeDefinition.objects.exists()


# --- API -------------------------------------------------------------------------------------


def test_it_previews_a_segment_through_the_api(api, people):
    conditions = [cond("tier", "eq", "gold"), cond("age", "gte", 50)]
    response = api.post(PREVIEW_URL, {"conditions": conditions}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"matches": 1}
    assert api.post(PREVIEW_URL, {"conditions": []}, format="json").json() == {"matches": 4}


def test_it_previews_with_a_read_only_key(org_a, people, api_client_for):
    reader = api_client_for(org_a, scopes=("read",))
    response = reader.post(PREVIEW_URL, {"conditions": []}, format="json")
    assert response.json() == {"matches": 4}


def test_it_saves_a_segment_through_the_api_and_filters_contacts_with_it(api, people):
    response = api.post(
        SEGMENTS_URL,
        {
            "name": "Older gold",
            "conditions": [cond("tier", "eq", "gold"), cond("age", "gte", "50")],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    segment = response.json()
    # Stored normalised (the value as a number).
    assert segment["conditions"][1] == {"attribute": "age", "op": "gte", "value": 50}
    listed = api.get("/api/v1/contacts/", {"segment": segment["id"]}).json()["results"]
    assert [c["external_id"] for c in listed] == ["c3"]


def test_it_refuses_a_bad_segment_through_the_api_naming_the_condition(api, people):
    response = api.post(
        SEGMENTS_URL,
        {"name": "Bad", "conditions": [cond("tier", "eq", "gold"), cond("colour", "eq", "red")]},
        format="json",
    )
    body = assert_envelope(response, 400)
    assert body["fields"] == {"conditions.1.attribute": ["'colour' is not a declared attribute."]}
    assert "conditions.1.attribute" in body["detail"]
    french = api.post(
        SEGMENTS_URL,
        {"name": "Bad", "conditions": [cond("age", "contains", "5")]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert assert_envelope(french, 400)["fields"] == {
        "conditions.0.value": ["« contains » demande un attribut texte et un texte."]
    }
    with organization_scope(people):
        assert not Segment.objects.exists()


def test_it_checks_conditions_when_a_segment_is_changed(api, people):
    segment = api.post(
        SEGMENTS_URL, {"name": "Gold", "conditions": [cond("tier", "eq", "gold")]}, format="json"
    ).json()
    url = f"{SEGMENTS_URL}{segment['id']}/"
    body = assert_envelope(
        api.patch(url, {"conditions": [cond("age", "eq", "old")]}, format="json"), 400
    )
    assert list(body["fields"]) == ["conditions.0.value"]
    response = api.patch(url, {"conditions": [cond("age", "lte", 10)]}, format="json")
    assert response.status_code == 200
    assert api.get(url).json()["conditions"] == [cond("age", "lte", 10)]


def test_it_refuses_a_second_segment_with_the_same_name(api, people):
    api.post(SEGMENTS_URL, {"name": "Gold", "conditions": []}, format="json")
    body = assert_envelope(
        api.post(SEGMENTS_URL, {"name": "Gold", "conditions": []}, format="json"), 400
    )
    assert list(body["fields"]) == ["name"]


# --- The editor ------------------------------------------------------------------------------


def editor_rows(*conditions):
    """The editor's form fields: parallel lists of attribute, op and value (text)."""
    return {
        "attribute": [c[0] for c in conditions],
        "op": [c[1] for c in conditions],
        "value": [c[2] for c in conditions],
    }


def test_it_previews_matches_in_the_editor_as_conditions_change(client_as, agent_a, people):
    client = client_as(agent_a)
    url = page_url(people, "segments/preview/")
    response = client.post(url, editor_rows(("tier", "eq", "gold"), ("", "eq", "")))
    assert response.status_code == 200
    assert "Matches 2 contacts" in response.content.decode()
    response = client.post(url, editor_rows(("tier", "eq", "gold"), ("age", "in", "41, 9")))
    assert "Matches 1 contact<" in response.content.decode()
    response = client.post(url, editor_rows(("vip", "exists", "no")))
    assert "Matches 2 contacts" in response.content.decode()


def test_it_names_the_bad_condition_in_the_editor_preview(client_as, manager_a, people):
    response = client_as(manager_a).post(
        page_url(people, "segments/preview/"),
        editor_rows(("tier", "eq", "gold"), ("age", "gte", "old")),
    )
    content = response.content.decode()
    assert "conditions.1.value: Must be a number." in content
    assert "Matches" not in content


def test_it_saves_a_segment_from_the_editor_showing_its_matches_when_reopened(
    client_as, manager_a, people
):
    client = client_as(manager_a)
    response = client.post(
        page_url(people, "segments/new/"),
        {"name": "Gold", "description": "", **editor_rows(("tier", "eq", "gold"), ("", "eq", ""))},
    )
    assert response.status_code == 302
    with organization_scope(people):
        segment = Segment.objects.get(name="Gold")
    assert segment.conditions == [cond("tier", "eq", "gold")]
    page = client.get(page_url(people, f"segments/{segment.pk}/")).content.decode()
    assert "Matches 2 contacts" in page


def test_it_keeps_the_editor_open_with_the_error_when_saving_a_bad_segment(
    client_as, manager_a, people
):
    response = client_as(manager_a).post(
        page_url(people, "segments/new/"),
        {"name": "Bad", "description": "", **editor_rows(("colour", "eq", "red"))},
    )
    assert response.status_code == 400
    assert "conditions.0.attribute" in response.content.decode()
    with organization_scope(people):
        assert not Segment.objects.exists()


def test_it_lets_agents_preview_but_not_save_segments(client_as, agent_a, people):
    response = client_as(agent_a).post(
        page_url(people, "segments/new/"),
        {"name": "Gold", "description": "", **editor_rows(("tier", "eq", "gold"))},
    )
    assert response.status_code == 403
    with organization_scope(people):
        assert not Segment.objects.exists()
