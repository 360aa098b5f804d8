"""vocapp.bulk: new rows as tuples (COPY on PostgreSQL, INSERT … RETURNING on SQLite), read back.

The helper writes the contacts, interactions and invitations of ingestion: what it stores must be
what ``bulk_create`` stores for the same values, column by column, on both backends.
"""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.utils import load_backend
from django.utils import timezone

from journeys.models import Touchpoint
from journeys.services import create_journey_from_template
from surveys.library import create_from_library
from surveys.models import (
    Interaction,
    InvitationKind,
    InvitationState,
    ListeningRule,
    SuppressionReason,
)
from surveys.models import Invitation as InvitationModel
from vocapp import bulk
from vocapp.contacts.models import Contact
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY path: tests run on PostgreSQL"
)

PARIS = ZoneInfo("Europe/Paris")
# Text COPY escapes: tabs, newlines, backslashes and a literal \N (its NULL marker).
AWKWARD = "Tab\there, line\nbreak, back\\slash, \\N, \"quotes\", 'single', é ü 漢字 🎉"
AWKWARD_JSON = {
    "text": AWKWARD,
    "numbers": [0, -1, 82.5, 1e-7, 12345678901234],
    "flags": [True, False, None],
    "nested": {"empty": {}, "list": [], "é": "ü"},
}


@pytest.fixture
def world(org_a):
    """Organization A with a touchpoint, a survey version and a listening rule."""
    with organization_scope(org_a):
        create_journey_from_template(org_a, "ecommerce", None)
        touchpoint = Touchpoint.objects.get(key="parcel-received")
        survey = create_from_library(None, org_a, "post_purchase_nps")
        rule = ListeningRule.objects.create(touchpoint=touchpoint, survey=survey, channels=["sms"])
        yield {
            "org": org_a,
            "touchpoint": touchpoint,
            "version": survey.current_version,
            "rule": rule,
        }


def contact_values(org, external_id: str, **extra) -> dict:
    moment = datetime(2026, 3, 10, 9, 55, 12, 345678, tzinfo=PARIS)
    return {
        "organization_id": org.pk,
        "external_id": external_id,
        "email": "lea@example.test",
        "phone": "+33612345678",
        "first_name": AWKWARD,
        "locale": "fr",
        "time_zone": "",  # blank text: an empty string, not NULL
        "attributes": AWKWARD_JSON,
        "sms_consent_at": moment,
        "email_consent_at": None,
        "sms_opted_out_at": None,
        "email_opted_out_at": moment.astimezone(UTC),
        "last_seen_at": moment,
        "erased_at": None,
        **extra,
    }


def interaction_values(world, contact, external_id: str, **extra) -> dict:
    return {
        "organization_id": world["org"].pk,
        "touchpoint_id": world["touchpoint"].pk,
        "contact_id": contact.pk,
        "external_id": external_id,
        "occurred_at": datetime(2026, 3, 10, 8, 55, tzinfo=UTC),
        "attributes": AWKWARD_JSON,
        "fingerprint": {"contact": "0" * 32, "touchpoint": "f" * 32},
        **extra,
    }


def invitation_values(world, contact, interaction, **extra) -> dict:
    send_at = datetime(2026, 3, 10, 10, 0, 0, 1, tzinfo=PARIS)
    return {
        "organization_id": world["org"].pk,
        "contact_id": contact.pk,
        "interaction_id": interaction.pk,
        "rule_id": world["rule"].pk,
        "campaign_id": None,
        "touchpoint_id": world["touchpoint"].pk,
        "survey_version_id": world["version"].pk,
        "kind": InvitationKind.HOT,  # a TextChoices member, as the planner gives
        "channel": "",
        "state": InvitationState.SUPPRESSED,
        "reason": SuppressionReason.REPLACED,
        "priority": 4050,
        "send_at": send_at,
        "expires_at": send_at + timedelta(days=7),
        "sent_at": None,
        **extra,
    }


def stored(model, pk, using="default") -> dict:
    return model.objects.unscoped().using(using).filter(pk=pk).values().get()


def without(row: dict, *names) -> dict:
    return {name: value for name, value in row.items() if name not in {"id", *names}}


# --------------------------------------------------------------------------------------------
# PostgreSQL (COPY)
# --------------------------------------------------------------------------------------------


@on_postgresql
def test_every_column_reads_back_as_bulk_create_stores_it(world):
    org = world["org"]
    # The same values twice: once through bulk_create, once through the helper.
    by_orm = Contact(**contact_values(org, "orm"))
    by_copy = bulk.build(Contact, contact_values(org, "copy"))
    Contact.objects.unscoped().bulk_create([by_orm])
    bulk.insert_objects([by_copy])
    orm_row, copy_row = stored(Contact, by_orm.pk), stored(Contact, by_copy.pk)
    auto = ("external_id", "created_at", "updated_at")
    assert without(copy_row, *auto) == without(orm_row, *auto)
    assert copy_row["first_name"] == AWKWARD
    assert copy_row["attributes"] == AWKWARD_JSON
    assert copy_row["time_zone"] == ""
    assert copy_row["sms_consent_at"] == datetime(2026, 3, 10, 8, 55, 12, 345678, tzinfo=UTC)
    assert copy_row["created_at"] == copy_row["updated_at"] == by_copy.created_at

    interactions = []
    for contact, key in ((by_orm, "orm"), (by_copy, "copy")):
        interactions.append(Interaction(**interaction_values(world, contact, key)))
    Interaction.objects.unscoped().bulk_create(interactions[:1])
    bulk.insert_objects(interactions[1:])
    orm_row, copy_row = (stored(Interaction, i.pk) for i in interactions)
    assert without(copy_row, "contact_id", "external_id", "received_at") == without(
        orm_row, "contact_id", "external_id", "received_at"
    )
    assert copy_row["attributes"] == AWKWARD_JSON

    first = InvitationModel(**invitation_values(world, by_orm, interactions[0]))
    InvitationModel.objects.unscoped().bulk_create([first])
    follower = bulk.build(
        InvitationModel,
        invitation_values(world, by_copy, interactions[1], follows_id=first.pk, sent_at=None),
    )
    bulk.insert_objects([follower])
    orm_row, copy_row = stored(InvitationModel, first.pk), stored(InvitationModel, follower.pk)
    differ = ("contact_id", "interaction_id", "token", "follows_id", "created_at")
    assert without(copy_row, *differ, "state_changed_at") == without(
        orm_row, *differ, "state_changed_at"
    )
    assert copy_row["follows_id"] == first.pk
    assert (copy_row["kind"], copy_row["state"], copy_row["reason"]) == (
        "hot",
        "suppressed",
        "replaced",
    )
    assert copy_row["channel"] == "" and copy_row["campaign_id"] is None
    assert len(copy_row["token"]) >= 22 and copy_row["token"] != orm_row["token"]
    # Through the ORM, as the rest of the request would read it.
    with organization_scope(org):
        again = InvitationModel.objects.get(pk=follower.pk)
    assert again.follows == first
    assert again.send_at == follower.send_at
    assert again.created_at == again.state_changed_at == follower.created_at


@on_postgresql
def test_ids_come_back_in_the_order_of_the_rows(world):
    contact = bulk.build(Contact, contact_values(world["org"], "c"))
    bulk.insert_objects([contact])
    before = (
        Interaction.objects.unscoped().create(**interaction_values(world, contact, "before")).pk
    )
    fields = ["organization_id", "touchpoint", "contact_id", "external_id", "occurred_at"]
    rows = [
        (world["org"].pk, world["touchpoint"].pk, contact.pk, f"e-{i}", timezone.now())
        for i in range(700)
    ]
    ids = bulk.insert_rows(Interaction, fields, rows)
    assert len(set(ids)) == 700
    assert ids == sorted(ids) and ids[0] > before
    found = dict(Interaction.objects.unscoped().filter(pk__in=ids).values_list("pk", "external_id"))
    assert [found[pk] for pk in ids] == [f"e-{i}" for i in range(700)]
    # Fields not named: their defaults.
    assert Interaction.objects.unscoped().get(pk=ids[0]).attributes == {}


@on_postgresql
def test_a_rollback_of_the_surrounding_transaction_leaves_nothing(world):
    class Abandon(Exception):
        pass

    contact = bulk.build(Contact, contact_values(world["org"], "c"))
    with pytest.raises(Abandon), transaction.atomic():
        bulk.insert_objects([contact])
        interaction = Interaction(**interaction_values(world, contact, "i"))
        bulk.insert_objects([interaction])
        bulk.insert_objects([InvitationModel(**invitation_values(world, contact, interaction))])
        assert Contact.objects.unscoped().filter(pk=contact.pk).exists()
        raise Abandon
    for model in (Contact, Interaction, InvitationModel):
        assert not model.objects.unscoped().exists()


@on_postgresql
def test_a_constraint_violation_is_django_s_integrity_error_and_writes_nothing(world):
    org = world["org"]
    rows = [(org.pk, "twice"), (org.pk, "once"), (org.pk, "twice")]
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_rows(Contact, ["organization_id", "external_id"], rows)
    assert not Contact.objects.unscoped().exists()


def test_a_callable_default_is_called_for_each_row_and_auto_now_fields_get_now(world):
    contact = bulk.build(Contact, contact_values(world["org"], "c"))
    bulk.insert_objects([contact])
    interaction = Interaction(**interaction_values(world, contact, "i"))
    bulk.insert_objects([interaction])
    fields = ["organization_id", "contact_id", "survey_version_id", "kind"]
    rows = [(world["org"].pk, contact.pk, world["version"].pk, "hot")] * 3
    started = timezone.now()
    ids = bulk.insert_rows(InvitationModel, fields, rows)
    stored_rows = list(InvitationModel.objects.unscoped().filter(pk__in=ids).order_by("pk"))
    assert len({invitation.token for invitation in stored_rows}) == 3
    for invitation in stored_rows:
        assert (invitation.state, invitation.priority, invitation.reason) == ("scheduled", 0, "")
        assert invitation.created_at == invitation.state_changed_at >= started
        assert invitation.interaction_id is None and invitation.send_at is None


def test_build_makes_what_the_model_s_constructor_makes(world):
    values = invitation_values(world, SimpleNamespace(pk=7), SimpleNamespace(pk=8), token="t")
    built, constructed = bulk.build(InvitationModel, values), InvitationModel(**values)
    assert {k: v for k, v in vars(built).items() if k != "_state"} == {
        k: v for k, v in vars(constructed).items() if k != "_state"
    }
    assert (built._state.adding, built._state.db) == (True, None)
    assert built.pk is None and built.follows_id is None and built.created_at is None
    assert bulk.build(InvitationModel, {}).token != bulk.build(InvitationModel, {}).token
    with pytest.raises(ValueError, match="contact"):
        bulk.build(InvitationModel, {"contact": world["rule"]})  # contact_id, not contact


def test_wrong_input_is_refused_before_anything_is_written(world):
    org = world["org"]
    with pytest.raises(ValueError, match="no concrete field"):
        bulk.insert_rows(Contact, ["organization_id", "nickname"], [(org.pk, "x")])
    with pytest.raises(ValueError, match="picks the ids"):
        bulk.insert_rows(Contact, ["id", "organization_id"], [(1, org.pk)])
    with pytest.raises(ValueError, match="Expected 2 values"):
        bulk.insert_rows(Contact, ["organization_id", "external_id"], [(org.pk,)])
    with pytest.raises(ValueError, match="naive"):
        bulk.insert_rows(
            Contact,
            ["organization_id", "external_id", "last_seen_at"],
            [(org.pk, "x", datetime(2026, 3, 10, 9, 0))],  # noqa: DTZ001 (on purpose)
        )
    assert bulk.insert_rows(Contact, ["organization_id", "external_id"], []) == []
    assert not Contact.objects.unscoped().exists()


def test_other_backends_get_bulk_create_of_the_same_rows(world):
    plan = bulk.Plan(Contact, ["organization_id", "external_id", "attributes"], connection)
    rows = [(world["org"].pk, f"x-{i}", {"i": i}) for i in range(3)]
    ids = bulk.create_rows("default", plan, rows)
    found = Contact.objects.unscoped().filter(pk__in=ids).order_by("pk")
    assert [(c.pk, c.external_id, c.attributes) for c in found] == [
        (pk, f"x-{i}", {"i": i}) for i, pk in enumerate(ids)
    ]


# --------------------------------------------------------------------------------------------
# SQLite (the embedded default): INSERT … RETURNING
# --------------------------------------------------------------------------------------------

SQLITE = "bulk_sqlite"


@pytest.fixture
def sqlite_db(tmp_path):
    """A SQLite database under the alias ``bulk_sqlite`` with the three tables (no FK checks)."""
    settings_dict = {
        **connections["default"].settings_dict,
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "bulk.sqlite3"),
        "OPTIONS": {},
        "HOST": "",
        "PORT": "",
        "USER": "",
        "PASSWORD": "",
    }
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, SQLITE)
    connections[SQLITE] = wrapper
    try:
        with wrapper.schema_editor() as editor:
            for model in (Contact, Interaction, InvitationModel):
                editor.create_model(model)
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")  # the parent tables are not there
        yield wrapper
    finally:
        wrapper.close()
        del connections[SQLITE]


def test_sqlite_stores_the_same_values_as_postgresql_reads_them(world, sqlite_db):
    assert sqlite_db.vendor == "sqlite" and sqlite_db.features.can_return_rows_from_bulk_insert
    assert bulk.variable_limit(sqlite_db) >= 999
    contact = bulk.build(Contact, contact_values(world["org"], "c"))
    bulk.insert_objects([contact], using=SQLITE)
    assert contact._state.db == SQLITE
    interaction = Interaction(**interaction_values(world, contact, "i"))
    bulk.insert_objects([interaction], using=SQLITE)
    invitation = bulk.build(InvitationModel, invitation_values(world, contact, interaction))
    bulk.insert_objects([invitation], using=SQLITE)

    row = stored(Contact, contact.pk, SQLITE)
    assert row["first_name"] == AWKWARD and row["attributes"] == AWKWARD_JSON
    assert row["time_zone"] == "" and row["email_consent_at"] is None
    assert row["sms_consent_at"] == datetime(2026, 3, 10, 8, 55, 12, 345678, tzinfo=UTC)
    assert row["created_at"] == row["updated_at"] == contact.created_at
    row = stored(Interaction, interaction.pk, SQLITE)
    assert row["attributes"] == AWKWARD_JSON and row["occurred_at"] == interaction.occurred_at
    assert row["fingerprint"] == interaction.fingerprint
    row = stored(InvitationModel, invitation.pk, SQLITE)
    assert without(row) == {
        **invitation_values(world, contact, interaction),
        "token": invitation.token,
        "follows_id": None,
        "created_at": invitation.created_at,
        "state_changed_at": invitation.created_at,
    }


def test_sqlite_values_are_what_django_s_insert_would_send(world, sqlite_db):
    contact, interaction = SimpleNamespace(pk=7), SimpleNamespace(pk=8)
    samples = [
        (Contact, contact_values(world["org"], "c")),
        (Interaction, interaction_values(world, contact, "i", received_at=timezone.now())),
        (
            InvitationModel,
            invitation_values(
                world, contact, interaction, token="t", created_at=timezone.now(), follows_id=None
            ),
        ),
    ]
    for model, values in samples:
        fields = {field.attname: field for field in model._meta.concrete_fields}
        for name, value in values.items():
            field = fields[name]
            convert = bulk.converter(field, sqlite_db) or bulk.identity
            expected = field.get_db_prep_save(value, sqlite_db)
            assert convert([value]) == [expected], (model.__name__, name)


@pytest.mark.parametrize("limit", [999, 32_766])  # old SQLite builds, and since 3.32
def test_sqlite_splits_large_inserts_and_keeps_the_order_of_the_ids(
    world, sqlite_db, monkeypatch, limit
):
    monkeypatch.setattr(bulk, "variable_limit", lambda connection: limit)
    fields = ["organization_id", "touchpoint_id", "contact_id", "external_id", "occurred_at"]
    now = timezone.now()
    rows = [(world["org"].pk, world["touchpoint"].pk, 1, f"e-{i}", now) for i in range(1_234)]
    ids = bulk.insert_rows(Interaction, fields, rows, using=SQLITE)
    assert ids == list(range(ids[0], ids[0] + 1_234))
    found = dict(
        Interaction.objects.unscoped().using(SQLITE).values_list("pk", "external_id").iterator()
    )
    assert [found[pk] for pk in ids] == [f"e-{i}" for i in range(1_234)]


def test_sqlite_rollback_leaves_nothing(world, sqlite_db):
    with pytest.raises(IntegrityError), transaction.atomic(using=SQLITE):
        bulk.insert_rows(
            Contact, ["organization_id", "external_id"], [(1, "a"), (1, "b")], using=SQLITE
        )
        bulk.insert_rows(
            Contact, ["organization_id", "external_id"], [(1, "c"), (1, "a")], using=SQLITE
        )
    assert not Contact.objects.unscoped().using(SQLITE).exists()
