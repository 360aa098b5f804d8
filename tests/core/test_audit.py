"""The audit log: ``record_audit`` writes it, admins read it, platform superusers see it all.

``record_audit(actor, action, obj, changes)`` is the one way a change of configuration is written;
the organization's audit page (admins only, newest first) and Django admin (superusers only) read
it.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.core.conftest import body_text
from vocapp.tenancy.audit import changed_fields, record_audit, snapshot
from vocapp.tenancy.models import AuditEvent, Team, User
from vocapp.tenancy.scope import organization_scope
from vocapp.tenancy.services import create_api_key
from vocapp.tenancy.tasks import purge_old_audit_events

pytestmark = pytest.mark.django_db

AUDIT_A = "/o/alpha/settings/audit/"
NOON = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)


def events(organization):
    return list(AuditEvent.objects.unscoped().filter(organization=organization))


# --- record_audit ----------------------------------------------------------------------------


def test_it_stores_who_did_what_to_which_object(org_a, admin_a):
    with organization_scope(org_a):
        team = Team.objects.create(name="Escalations")
    with time_machine.travel(NOON, tick=False):
        event = record_audit(admin_a, "team.renamed", team, {"name": ["Support", "Escalations"]})
    stored = AuditEvent.objects.unscoped().get(pk=event.pk)
    assert stored.organization == org_a
    assert stored.actor == admin_a and stored.actor_label == "admin@alpha.test"
    assert stored.action == "team.renamed"
    assert (stored.object_type, stored.object_id) == ("tenancy.team", str(team.pk))
    assert stored.object_repr == "Escalations"
    assert stored.changes == {"name": ["Support", "Escalations"]}
    assert stored.created_at == NOON


def test_it_names_an_api_key_or_the_system_as_the_actor(org_a):
    api_key, _full = create_api_key(None, org_a, name="CRM sync", scopes=["admin"])
    by_key = record_audit(api_key, "organization.updated", org_a, {"minimum_n": [30, 50]})
    assert by_key.actor is None
    assert by_key.actor_label == f"API key CRM sync (vk_{api_key.prefix}_…)"
    by_system = record_audit(None, "retention.purged", org_a)
    assert (by_system.actor, by_system.actor_label, by_system.changes) == (None, "system", {})
    # An organization is its own organization.
    assert by_system.organization == org_a and by_system.object_type == "tenancy.organization"


def test_it_keeps_the_event_when_the_actor_is_deleted(org_a, admin_a):
    event = record_audit(admin_a, "organization.updated", org_a, {"name": ["A", "B"]})
    User.objects.filter(pk=admin_a.pk).delete()
    event.refresh_from_db()
    assert event.actor is None and event.actor_label == "admin@alpha.test"


def test_it_diffs_snapshots_into_changes(org_a):
    before = snapshot(org_a, ["name", "minimum_n", "country"])
    org_a.name, org_a.minimum_n = "Alpha Stores", 50
    after = snapshot(org_a, ["name", "minimum_n", "country"])
    assert changed_fields(before, after) == {
        "minimum_n": [30, 50],
        "name": ["Alpha Shop", "Alpha Stores"],
    }
    assert changed_fields(after, after) == {}


def test_it_audits_a_change_made_through_the_api(org_a, api_client_for):
    client = api_client_for(org_a)
    response = client.patch("/api/v1/organization/", {"minimum_n": 45}, format="json")
    assert response.status_code == 200
    (event,) = [e for e in events(org_a) if e.action == "organization.updated"]
    assert event.changes == {"minimum_n": [30, 45]}
    assert event.actor_label.startswith("API key tests (vk_")


# --- the audit page --------------------------------------------------------------------------


@pytest.fixture
def history(org_a, org_b, admin_a):
    """Three events of A an hour apart (recorded out of order) and one of B."""
    made = {}
    for hours, action in ((1, "team.created"), (3, "api_key.revoked"), (2, "member.invited")):
        with time_machine.travel(NOON + timedelta(hours=hours), tick=False):
            made[action] = record_audit(admin_a, action, org_a, {"step": [hours, hours + 1]})
    record_audit(None, "beta.secret_change", org_b, {"beta": ["x", "y"]})
    return made


def audit_rows(html: str) -> list[str]:
    """The action column of the audit table, in page order."""
    import re

    return re.findall(r"<td><code>([^<]+)</code></td>", html)


def test_it_lists_the_events_to_an_admin_newest_first(client, admin_a, history):
    client.force_login(admin_a)
    response = client.get(AUDIT_A)
    assert response.status_code == 200
    html = body_text(response)
    assert audit_rows(html) == ["api_key.revoked", "member.invited", "team.created"]
    assert "admin@alpha.test" in html
    # Changes are shown, and another organization's events are not.
    assert "step" in html and "[3, 4]" in html
    assert "beta.secret_change" not in html


def test_it_breaks_ties_by_the_latest_recorded(client, admin_a, org_a):
    with time_machine.travel(NOON, tick=False):
        for action in ("first.same_time", "second.same_time"):
            record_audit(admin_a, action, org_a)
    client.force_login(admin_a)
    assert audit_rows(body_text(client.get(AUDIT_A))) == ["second.same_time", "first.same_time"]


def test_it_filters_by_the_start_of_the_action(client, admin_a, history):
    client.force_login(admin_a)
    html = body_text(client.get(AUDIT_A, {"action": "member."}))
    assert audit_rows(html) == ["member.invited"]
    assert audit_rows(body_text(client.get(AUDIT_A, {"action": "nothing"}))) == []


def test_it_pages_a_long_history(client, admin_a, org_a):
    with organization_scope(org_a):
        AuditEvent.objects.bulk_create(
            AuditEvent(
                organization=org_a,
                actor_label="system",
                action=f"bulk.{number:03d}",
                created_at=NOON + timedelta(minutes=number),
            )
            for number in range(60)
        )
    client.force_login(admin_a)
    first = audit_rows(body_text(client.get(AUDIT_A)))
    second = audit_rows(body_text(client.get(AUDIT_A, {"page": 2})))
    assert len(first) == 50 and first[0] == "bulk.059"
    assert second == [f"bulk.{n:03d}" for n in range(9, -1, -1)]


@pytest.mark.parametrize("member", ["manager_a", "agent_a"])
def test_it_refuses_the_page_to_other_roles(client, member, history, request):
    client.force_login(request.getfixturevalue(member))
    response = client.get(AUDIT_A)
    assert response.status_code == 403
    assert "api_key.revoked" not in body_text(response)


def test_it_answers_404_to_another_organization(client, outsider, history):
    client.force_login(outsider)
    response = client.get(AUDIT_A)
    assert response.status_code == 404
    assert "api_key.revoked" not in body_text(response)
    # Its own audit page shows only its own events.
    own = body_text(client.get("/o/beta/settings/audit/"))
    assert audit_rows(own) == ["beta.secret_change"]


def test_it_escapes_what_an_event_shows(client, admin_a, org_a):
    record_audit(admin_a, "team.created", org_a, {"name": [None, "<b>bold</b>"]})
    client.force_login(admin_a)
    html = body_text(client.get(AUDIT_A))
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


# --- Django admin ----------------------------------------------------------------------------


def test_it_lists_every_organizations_events_to_platform_superusers(client, history):
    root = User.objects.create_superuser("root@platform.test", "correct horse battery")
    client.force_login(root)
    url = reverse("admin:tenancy_auditevent_changelist")
    html = body_text(client.get(url))
    for action in ("api_key.revoked", "member.invited", "team.created", "beta.secret_change"):
        assert action in html
    detail = reverse("admin:tenancy_auditevent_change", args=[history["team.created"].pk])
    assert client.get(detail).status_code == 200  # viewable, read-only
    assert client.get(reverse("admin:tenancy_auditevent_add")).status_code == 403
    delete = reverse("admin:tenancy_auditevent_delete", args=[history["team.created"].pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.unscoped().filter(pk=history["team.created"].pk).exists()


def test_it_keeps_django_admins_audit_list_from_organization_admins(client, admin_a, history):
    client.force_login(admin_a)
    response = client.get(reverse("admin:tenancy_auditevent_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- retention -------------------------------------------------------------------------------


def test_it_purges_events_older_than_the_retention(org_a, org_b, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    with time_machine.travel(NOON - timedelta(days=31), tick=False):
        record_audit(None, "old.a", org_a)
        record_audit(None, "old.b", org_b)
    with time_machine.travel(NOON - timedelta(days=29), tick=False):
        record_audit(None, "recent.a", org_a)
    with time_machine.travel(NOON, tick=False):
        assert purge_old_audit_events() == 2
    remaining = AuditEvent.objects.unscoped().values_list("action", flat=True)
    assert list(remaining) == ["recent.a"]
