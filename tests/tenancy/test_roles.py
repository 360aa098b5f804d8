"""The roles table of ARCHITECTURE.md, as capabilities and as pages."""

import pytest
from django.urls import reverse

from vocapp.tenancy.roles import CAPABILITIES, Role, role_can

# The table, transcribed: capability -> roles allowed.
EXPECTED = {
    "manage_organization": {Role.ADMIN},
    "configure": {Role.ADMIN, Role.CX_MANAGER},
    "view": {Role.ADMIN, Role.CX_MANAGER, Role.AGENT},
    "export": {Role.ADMIN, Role.CX_MANAGER},
    "view_roi": {Role.ADMIN, Role.CX_MANAGER},
    "manage_all_cases": {Role.ADMIN, Role.CX_MANAGER},
    "approve_gestures": {Role.ADMIN, Role.CX_MANAGER},
    "work_cases": {Role.ADMIN, Role.CX_MANAGER, Role.AGENT},
}

# Settings pages (admins only) and the pages every member opens.
SETTINGS_PAGES = ["settings", "members", "teams", "api_keys", "audit"]


def test_it_follows_the_roles_table():
    assert {name: set(roles) for name, roles in CAPABILITIES.items()} == EXPECTED
    for capability, allowed in EXPECTED.items():
        for role in Role:
            assert role_can(role, capability) == (role in allowed), (role, capability)


def test_it_refuses_an_unknown_capability():
    with pytest.raises(ValueError, match="unknown capability"):
        role_can(Role.ADMIN, "launch_rockets")


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Role.ADMIN, 200), (Role.CX_MANAGER, 403), (Role.AGENT, 403)],
)
def test_it_opens_the_settings_pages_to_admins_only(
    role, expected, client, admin_a, manager_a, agent_a
):
    user = {Role.ADMIN: admin_a, Role.CX_MANAGER: manager_a, Role.AGENT: agent_a}[role]
    client.force_login(user)
    for name in SETTINGS_PAGES:
        response = client.get(reverse(f"tenancy:{name}", kwargs={"org_slug": "alpha"}))
        assert response.status_code == expected, name
        if expected == 403:
            assert b"Your role does not allow this" in response.content


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CX_MANAGER, Role.AGENT])
def test_it_opens_the_home_page_to_every_member(role, client, admin_a, manager_a, agent_a):
    user = {Role.ADMIN: admin_a, Role.CX_MANAGER: manager_a, Role.AGENT: agent_a}[role]
    client.force_login(user)
    response = client.get(reverse("tenancy:home", kwargs={"org_slug": "alpha"}))
    assert response.status_code == 200
    assert b"Alpha Shop" in response.content


def test_it_refuses_writes_of_settings_to_a_cx_manager(client, manager_a, org_a):
    client.force_login(manager_a)
    response = client.post(
        reverse("tenancy:api_keys", kwargs={"org_slug": "alpha"}),
        {"name": "sneaky", "scopes": ["admin"]},
    )
    assert response.status_code == 403
    from vocapp.tenancy.models import ApiKey

    assert not ApiKey.objects.unscoped().filter(organization=org_a).exists()


def test_it_shows_navigation_entries_by_role(client, admin_a, agent_a):
    """The agent does not see a link to the imports page it may not open."""
    imports = reverse("contacts:imports", kwargs={"org_slug": "alpha"})
    client.force_login(admin_a)
    assert imports.encode() in client.get("/o/alpha/").content
    client.force_login(agent_a)
    assert imports.encode() not in client.get("/o/alpha/").content


def test_it_shows_the_setup_checklist_with_real_counts(client, admin_a, scope_a):
    from vocapp.contacts.models import Contact

    for number in range(3):
        Contact.objects.create(external_id=f"c{number}")
    client.force_login(admin_a)
    response = client.get("/o/alpha/")
    steps = {step["key"]: step for step in response.context["steps"]}
    assert steps["contacts"]["count"] == 3 and steps["contacts"]["done"]
    assert b'<span class="count">3</span>' in response.content
