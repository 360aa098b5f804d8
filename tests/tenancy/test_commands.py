"""create_organization, create_api_key and seed_demo, as an operator runs them."""

import io
import os
import re
import subprocess
import sys
from datetime import date

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from tests.tenancy.conftest import bearer
from vocapp.tenancy.models import ApiKey, AuditEvent, Membership, Organization, Team, User
from vocapp.tenancy.roles import Role
from vocapp.tenancy.scope import organization_scope

ORGANIZATION_URL = "/api/v1/organization/"
KEY_LINE = re.compile(r"vk_[0-9a-f]{12}_[A-Za-z0-9_\-]{20,}")


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def sign_in(client, email, password):
    return client.post("/login/", {"username": email, "password": password})


# --- create_organization --------------------------------------------------------------------


@pytest.mark.django_db
def test_it_creates_an_organization_and_its_admin(client):
    output = run(
        "create_organization",
        "northwind",
        "--name",
        "Northwind Travel",
        "--admin-email",
        "Boss@Northwind.test",
        "--admin-password",
        "a long admin secret 9",
        "--time-zone",
        "America/Toronto",
        "--country",
        "CA",
        "--locale",
        "fr",
    )
    assert "/o/northwind/" in output
    organization = Organization.objects.get(slug="northwind")
    assert organization.name == "Northwind Travel"
    assert (organization.time_zone, organization.country.code) == ("America/Toronto", "CA")
    assert organization.default_locale == "fr"
    admin = User.objects.get(email="boss@northwind.test")
    assert Membership.objects.get(organization=organization, user=admin).role == Role.ADMIN
    event = AuditEvent.objects.unscoped().get(organization=organization)
    assert (event.action, event.actor) == ("organization.created", admin)

    # The admin signs in with that password and lands in the organization.
    response = sign_in(client, "boss@northwind.test", "a long admin secret 9")
    assert client.get(response["Location"])["Location"] == "/o/northwind/"
    assert client.get("/o/northwind/settings/").status_code == 200


@pytest.mark.django_db
def test_it_refuses_a_slug_already_taken(org_a, admin_a):
    with pytest.raises(CommandError, match="An organization with the slug 'alpha' already exists"):
        run(
            "create_organization",
            "alpha",
            "--name",
            "Other",
            "--admin-email",
            "other@example.com",
            "--admin-password",
            "a long admin secret 9",
        )
    assert Organization.objects.get(slug="alpha").name == "Alpha Shop"
    assert not User.objects.filter(email="other@example.com").exists()


@pytest.mark.django_db
def test_it_makes_an_existing_user_admin_of_a_new_organization(org_a, agent_a):
    run("create_organization", "second", "--name", "Second", "--admin-email", "agent@alpha.test")
    membership = Membership.objects.get(organization__slug="second", user=agent_a)
    assert membership.role == Role.ADMIN
    agent_a.refresh_from_db()
    assert agent_a.check_password("correct horse battery")
    assert Membership.objects.get(organization=org_a, user=agent_a).role == Role.AGENT


@pytest.mark.django_db
def test_it_needs_a_password_for_a_new_admin():
    """Without one the account could never sign in (a password reset skips such accounts)."""
    with pytest.raises(CommandError, match="--admin-password"):
        run("create_organization", "lonely", "--name", "Lonely", "--admin-email", "new@x.test")
    assert not Organization.objects.filter(slug="lonely").exists()
    assert not User.objects.filter(email="new@x.test").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Not A Slug"], "slug"),
        (["good", "--time-zone", "Mars/Olympus"], "not a known time zone"),
        (["good", "--country", "XX"], "not a valid choice"),
    ],
)
def test_it_names_what_is_wrong_in_the_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        run(
            "create_organization",
            *args,
            "--name",
            "Good",
            "--admin-email",
            "good@example.com",
            "--admin-password",
            "a long admin secret 9",
        )
    assert not Organization.objects.exists()
    assert not User.objects.exists()


def manage(*args) -> subprocess.CompletedProcess:
    """``manage.py`` in a process of its own, on the test database."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vocapp.settings.test",
        "TEST_DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
    }
    return subprocess.run(  # noqa: S603  (our own manage.py)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_it_exits_non_zero_on_a_taken_slug_and_prints_the_key_last(org_a):
    refused = manage(
        "create_organization", "alpha", "--name", "X", "--admin-email", "x@example.com"
    )
    assert refused.returncode == 1
    assert "already exists" in refused.stderr
    assert "Traceback" not in refused.stderr

    created = manage("create_api_key", "alpha", "--scopes", "read")
    assert created.returncode == 0, created.stderr
    last_line = created.stdout.strip().splitlines()[-1]
    assert KEY_LINE.fullmatch(last_line)
    assert bearer(last_line).get(ORGANIZATION_URL).json()["slug"] == "alpha"


# --- create_api_key -------------------------------------------------------------------------


def key_from(output: str) -> str:
    last_line = output.strip().splitlines()[-1]
    assert KEY_LINE.fullmatch(last_line), output
    return last_line


@pytest.mark.django_db
def test_it_creates_a_key_with_exactly_the_scopes_asked(org_a):
    full_key = key_from(run("create_api_key", "alpha", "--scopes", "read, ingest"))
    api_key = ApiKey.objects.unscoped().get()
    assert api_key.organization == org_a
    assert api_key.scopes == ["ingest", "read"]
    client = bearer(full_key)
    assert client.get(ORGANIZATION_URL).json()["slug"] == "alpha"
    created = client.post("/api/v1/contacts/", {"external_id": "c1"}, format="json")
    assert created.status_code == 201, created.content
    # Not admin: changing the organization is refused.
    assert client.patch(ORGANIZATION_URL, {"minimum_n": 5}, format="json").status_code == 403
    event = AuditEvent.objects.unscoped().get(action="api_key.created")
    assert event.actor_label == "command line"
    assert event.changes["scopes"] == ["ingest", "read"]


@pytest.mark.django_db
def test_it_creates_an_ingest_key_by_default(org_a):
    full_key = key_from(run("create_api_key", "alpha", "--name", "Shop"))
    api_key = ApiKey.objects.unscoped().get()
    assert (api_key.name, api_key.scopes) == ("Shop", ["ingest"])
    assert bearer(full_key).get(ORGANIZATION_URL).status_code == 403


@pytest.mark.django_db
def test_it_creates_an_admin_key(org_a):
    full_key = key_from(run("create_api_key", "alpha", "--scopes", "admin"))
    response = bearer(full_key).patch(ORGANIZATION_URL, {"minimum_n": 5}, format="json")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("scopes", ["read,superuser", "", " , "])
def test_it_refuses_an_unknown_scope(org_a, scopes):
    with pytest.raises(CommandError, match=r"choose among \['ingest', 'read', 'admin'\]") as error:
        run("create_api_key", "alpha", "--scopes", scopes)
    if "superuser" in scopes:
        assert "superuser" in str(error.value)
    assert not ApiKey.objects.unscoped().exists()


@pytest.mark.django_db
def test_it_refuses_an_unknown_organization(org_a):
    with pytest.raises(CommandError, match="No organization with the slug 'nowhere'"):
        run("create_api_key", "nowhere")
    assert not ApiKey.objects.unscoped().exists()


# --- seed_demo ------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def customer_since_ages(organization, today: date) -> dict[str, int]:
    from vocapp.contacts.models import Contact

    with organization_scope(organization):
        return {
            contact.external_id: (
                today - date.fromisoformat(contact.attributes["customer_since"])
            ).days
            for contact in Contact.objects.all()
        }


@pytest.mark.django_db
def test_seed_demo_is_idempotent_relative_to_today_and_signs_in(client):
    first_day, second_day = date(2031, 3, 14), date(2032, 11, 2)
    with time_machine.travel(first_day, tick=False):
        output = run("seed_demo")
    assert "demo@example.com / demo" in output
    after_first = row_counts()
    demo = Organization.objects.get(slug="demo")
    first_ages = customer_since_ages(demo, first_day)

    with time_machine.travel(second_day, tick=False):
        run("seed_demo")
    assert row_counts() == after_first
    # Fixed seed, dates counted back from the day it runs: the same ages, another calendar.
    assert customer_since_ages(demo, second_day) == first_ages
    assert len(first_ages) > 100
    assert min(first_ages.values()) >= 1

    # The people: an admin, a CX manager, two agents, in one team led by the CX manager.
    roles = dict(Membership.objects.filter(organization=demo).values_list("user__email", "role"))
    assert roles["demo@example.com"] == Role.ADMIN
    assert sorted(roles.values()) == sorted([Role.ADMIN, Role.CX_MANAGER, Role.AGENT, Role.AGENT])
    with organization_scope(demo):
        [team] = Team.objects.all()
        members = {user.email: roles[user.email] for user in team.members.all()}
    assert roles[team.lead.email] == Role.CX_MANAGER
    assert sorted(members.values()) == sorted([Role.CX_MANAGER, Role.AGENT, Role.AGENT])

    # The published login works and lands in the demo organization.
    response = sign_in(client, "demo@example.com", "demo")
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == "/o/demo/"
    assert b"Maison Demo" in client.get("/o/demo/").content


@pytest.mark.django_db
def test_seed_demo_refuses_production_settings():
    with (
        override_settings(ENVIRONMENT="production"),
        pytest.raises(CommandError, match="refuses to run with production settings"),
    ):
        run("seed_demo")
    assert not Organization.objects.filter(slug="demo").exists()
    assert not User.objects.filter(email="demo@example.com").exists()
