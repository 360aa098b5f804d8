"""Every change of configuration leaves an audit event: who, what, on which object, how."""

import html
import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.conftest import make_member
from tests.tenancy.conftest import bearer, organization_form_data
from vocapp.tenancy.audit import record_audit
from vocapp.tenancy.models import ApiKey, AuditEvent, Membership, MembershipInvite, Team, User
from vocapp.tenancy.roles import Role
from vocapp.tenancy.scope import organization_scope
from vocapp.tenancy.services import create_api_key

pytestmark = pytest.mark.django_db

AUDIT = "/o/alpha/settings/audit/"
KEY_PATTERN = re.compile(r"vk_[0-9a-f]{12}_[A-Za-z0-9_\-]{20,}")


@pytest.fixture
def admin_client(client, admin_a):
    client.force_login(admin_a)
    return client


def events(organization, action=None):
    rows = AuditEvent.objects.unscoped().filter(organization=organization).order_by("id")
    if action:
        rows = rows.filter(action=action)
    return list(rows)


def only_event(organization, action) -> AuditEvent:
    found = events(organization, action)
    assert len(found) == 1, [event.action for event in events(organization)]
    return found[0]


def audit_rows(client, query="") -> list[str]:
    """The audit page's table rows as plain text, newest first."""
    response = client.get(AUDIT + query)
    assert response.status_code == 200
    body = response.content.decode()
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", body, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", " ", row)) for row in rows]


def audit_actions(client, query="") -> list[str]:
    body = client.get(AUDIT + query).content.decode()
    return re.findall(r"<td><code>([a-z_.]+)</code></td>", body)


def test_it_records_a_settings_change_with_old_and_new_values(admin_client, org_a, admin_a):
    admin_client.post(
        "/o/alpha/settings/",
        organization_form_data(
            org_a, time_zone="Asia/Tokyo", minimum_n=50, business_days=["0", "1", "2"]
        ),
    )
    event = only_event(org_a, "organization.updated")
    assert event.actor == admin_a
    assert event.actor_label == "admin@alpha.test"
    assert (event.object_type, event.object_id) == ("tenancy.organization", str(org_a.pk))
    assert event.object_repr == "Alpha Shop"
    # Only what changed, as [old, new].
    assert event.changes == {
        "time_zone": ["Europe/Paris", "Asia/Tokyo"],
        "minimum_n": [30, 50],
        "business_days": [[0, 1, 2, 3, 4], [0, 1, 2]],
    }

    [row] = audit_rows(admin_client)
    assert "admin@alpha.test" in row and "organization.updated" in row and "Alpha Shop" in row
    assert "Europe/Paris" in row and "Asia/Tokyo" in row
    assert re.search(r"minimum_n\s*:\s*\[30, 50\]", row)


def test_it_records_a_new_logo(admin_client, org_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "blue").save(buffer, format="PNG")
    data = organization_form_data(org_a)
    data["logo"] = SimpleUploadedFile("logo.png", buffer.getvalue(), "image/png")
    admin_client.post("/o/alpha/settings/", data)
    assert only_event(org_a, "organization.updated").changes == {"logo": ["…", "changed"]}


def test_it_records_api_keys_created_and_revoked(admin_client, org_a, admin_a):
    response = admin_client.post(
        "/o/alpha/settings/api-keys/", {"name": "Shop back-office", "scopes": ["ingest", "read"]}
    )
    full_key = KEY_PATTERN.search(response.content.decode()).group(0)
    api_key = ApiKey.objects.unscoped().get()
    created = only_event(org_a, "api_key.created")
    assert created.actor == admin_a
    assert (created.object_type, created.object_id) == ("tenancy.apikey", str(api_key.pk))
    assert created.changes == {"name": "Shop back-office", "scopes": ["ingest", "read"]}
    # Never the key itself, not even its secret part.
    secret = full_key.split("_", 2)[2]
    assert secret not in str(created.changes) and secret not in created.object_repr

    admin_client.post(
        reverse("tenancy:api_key_revoke", kwargs={"org_slug": "alpha", "pk": api_key.pk})
    )
    revoked = only_event(org_a, "api_key.revoked")
    assert revoked.actor == admin_a and revoked.object_id == str(api_key.pk)

    assert audit_actions(admin_client) == ["api_key.revoked", "api_key.created"]
    rows = audit_rows(admin_client)
    assert f"vk_{api_key.prefix}_…" in rows[1]
    assert all(secret not in row for row in rows)


def test_it_records_a_role_change_and_a_removal(admin_client, org_a, admin_a, agent_a):
    agent_membership = Membership.objects.get(organization=org_a, user=agent_a)
    admin_client.post(
        reverse("tenancy:member_role", kwargs={"org_slug": "alpha", "pk": agent_membership.pk}),
        {f"m{agent_membership.pk}-role": Role.CX_MANAGER},
    )
    changed = only_event(org_a, "member.role_changed")
    assert changed.actor == admin_a
    assert changed.changes == {"member": "agent@alpha.test", "role": ["agent", "cx_manager"]}

    admin_client.post(
        reverse("tenancy:member_remove", kwargs={"org_slug": "alpha", "pk": agent_membership.pk})
    )
    removed = only_event(org_a, "member.removed")
    assert removed.actor == admin_a
    assert removed.changes == {"member": "agent@alpha.test"}

    # A refused change leaves no trace.
    own = Membership.objects.get(organization=org_a, user=admin_a)
    admin_client.post(
        reverse("tenancy:member_role", kwargs={"org_slug": "alpha", "pk": own.pk}),
        {f"m{own.pk}-role": Role.AGENT},
    )
    assert len(events(org_a, "member.role_changed")) == 1


def test_it_records_team_changes(admin_client, org_a, admin_a, manager_a, agent_a):
    admin_client.post(
        "/o/alpha/settings/teams/",
        {"name": "After-sales", "lead": manager_a.pk, "members": [agent_a.pk]},
    )
    team = Team.objects.unscoped().get()
    created = only_event(org_a, "team.created")
    assert created.actor == admin_a
    assert (created.object_type, created.object_id) == ("tenancy.team", str(team.pk))
    assert created.object_repr == "After-sales"
    assert created.changes["name"] == [None, "After-sales"]
    assert created.changes["lead"] == [None, manager_a.pk]
    assert sorted(created.changes["members"][1]) == sorted([manager_a.pk, agent_a.pk])

    edit = reverse("tenancy:team_edit", kwargs={"org_slug": "alpha", "pk": team.pk})
    admin_client.post(
        edit, {"name": "Customer care", "lead": manager_a.pk, "members": [agent_a.pk]}
    )
    updated = only_event(org_a, "team.updated")
    # Lead and members did not change: only the name is recorded.
    assert updated.changes == {"name": ["After-sales", "Customer care"]}

    admin_client.post(reverse("tenancy:team_delete", kwargs={"org_slug": "alpha", "pk": team.pk}))
    deleted = only_event(org_a, "team.deleted")
    assert deleted.changes == {"name": "Customer care"}
    assert deleted.object_id == str(team.pk)

    assert audit_actions(admin_client, "?action=team.") == [
        "team.deleted",
        "team.updated",
        "team.created",
    ]


def test_it_records_an_invitation_sent_accepted_and_withdrawn(client, admin_a, org_a):
    client.force_login(admin_a)
    client.post("/o/alpha/settings/members/", {"email": "newcomer@example.com", "role": Role.AGENT})
    client.post("/o/alpha/settings/members/", {"email": "never@example.com", "role": Role.ADMIN})
    sent = events(org_a, "member.invited")
    assert [event.changes for event in sent] == [
        {"email": "newcomer@example.com", "role": "agent"},
        {"email": "never@example.com", "role": "admin"},
    ]
    assert all(event.actor == admin_a for event in sent)

    withdrawn = MembershipInvite.objects.unscoped().get(email="never@example.com")
    client.post(reverse("tenancy:invite_revoke", kwargs={"org_slug": "alpha", "pk": withdrawn.pk}))
    assert only_event(org_a, "member.invite_revoked").changes == {"email": "never@example.com"}

    client.logout()
    path = re.search(r"/join/[A-Za-z0-9_\-]+/", mail.outbox[0].body).group(0)
    client.post(path, {"full_name": "Nina", "password": "a long new secret 7"})
    newcomer = User.objects.get(email="newcomer@example.com")
    joined = only_event(org_a, "member.joined")
    # The person who joined is the actor.
    assert joined.actor == newcomer
    assert joined.changes == {"member": "newcomer@example.com", "role": "agent"}

    client.force_login(admin_a)
    assert audit_actions(client, "?action=member.") == [
        "member.joined",
        "member.invite_revoked",
        "member.invited",
        "member.invited",
    ]


def test_it_records_a_change_through_the_api_as_the_key(org_a, admin_a):
    api_key, full_key = create_api_key(admin_a, org_a, name="Back-office", scopes=["admin"])
    response = bearer(full_key).patch("/api/v1/organization/", {"currency": "USD"}, format="json")
    assert response.status_code == 200, response.content
    event = only_event(org_a, "organization.updated")
    assert event.actor is None
    assert event.actor_label == f"API key Back-office (vk_{api_key.prefix}_…)"
    assert event.changes == {"currency": ["EUR", "USD"]}


def test_it_keeps_the_actors_name_after_the_account_is_deleted(client, admin_a, org_a):
    leaving = make_member(org_a, "leaving@alpha.test", Role.ADMIN)
    client.force_login(leaving)
    client.post("/o/alpha/settings/teams/", {"name": "Team"})
    leaving.delete()
    event = only_event(org_a, "team.created")
    assert event.actor is None
    client.force_login(admin_a)
    assert "leaving@alpha.test" in audit_rows(client)[0]


def test_it_shows_only_this_organizations_events(admin_client, org_a, org_b, outsider):
    with organization_scope(org_b):
        team_b = Team.objects.create(name="Secret beta team")
    record_audit(outsider, "team.created", team_b, {"name": [None, "Secret beta team"]})
    with organization_scope(org_a):
        team_a = Team.objects.create(name="Alpha team")
    record_audit(None, "team.created", team_a, {"name": [None, "Alpha team"]})
    rows = audit_rows(admin_client)
    assert len(rows) == 1
    assert "Alpha team" in rows[0] and "system" in rows[0]
    assert "Secret beta team" not in admin_client.get(AUDIT).content.decode()


def test_it_pages_and_filters_the_audit_log(admin_client, org_a):
    with organization_scope(org_a):
        team = Team.objects.create(name="Busy team")
    for number in range(55):
        record_audit(None, "team.updated", team, {"name": [str(number), str(number + 1)]})
    record_audit(None, "api_key.created", org_a, {"name": "k"})

    first = admin_client.get(AUDIT).content.decode()
    assert "Page 1 of 2" in first
    assert len(audit_rows(admin_client)) == 50
    # Newest first.
    assert "api_key.created" in audit_rows(admin_client)[0]
    assert len(audit_rows(admin_client, "?page=2")) == 6

    filtered = audit_rows(admin_client, "?action=api_key")
    assert len(filtered) == 1 and "api_key.created" in filtered[0]
    assert "Nothing recorded yet." in admin_client.get(AUDIT + "?action=nothing").content.decode()


@pytest.mark.parametrize("role", [Role.CX_MANAGER, Role.AGENT])
def test_it_shows_the_audit_log_to_admins_only(client, manager_a, agent_a, role):
    client.force_login({Role.CX_MANAGER: manager_a, Role.AGENT: agent_a}[role])
    assert client.get(AUDIT).status_code == 403
