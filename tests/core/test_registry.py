"""The registries and the navigation built from them.

Apps contribute navigation entries in ``AppConfig.ready()``; the navigation shows exactly the
registered entries a member's role may open, and every link it shows opens for that member.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from tests.core.conftest import nav_links
from vocapp import registry
from vocapp.registry import NavEntry, Registry
from vocapp.tenancy.models import Membership
from vocapp.tenancy.roles import Role, role_can

pytestmark = pytest.mark.django_db

HOME = "/o/alpha/"


def expected_links(role: str) -> list[str]:
    return [
        reverse(entry.url_name, kwargs={"org_slug": "alpha"})
        for entry in registry.navigation
        if role_can(role, entry.capability)
    ]


@pytest.fixture
def members(admin_a, manager_a, agent_a):
    return {Role.ADMIN: admin_a, Role.CX_MANAGER: manager_a, Role.AGENT: agent_a}


@pytest.fixture
def extra_entry():
    """A navigation entry registered for one test, then removed (the registry is global)."""
    entries = []

    def register(entry: NavEntry) -> NavEntry:
        entries.append(registry.navigation.register(entry))
        return entry

    yield register
    for entry in entries:
        registry.navigation.unregister(entry.key)


@pytest.mark.parametrize("role", list(Role))
def test_it_shows_each_role_exactly_the_registered_entries_it_may_open(role, members, client):
    client.force_login(members[role])
    response = client.get(HOME)
    assert response.status_code == 200
    links = nav_links(response.content.decode())
    assert links, "the home page shows no navigation at all"
    assert links == expected_links(role)


@pytest.mark.parametrize("role", list(Role))
def test_it_opens_every_link_of_the_navigation_for_the_role_that_sees_it(role, members, client):
    client.force_login(members[role])
    links = nav_links(client.get(HOME).content.decode())
    answers = {link: client.get(link).status_code for link in links}
    assert answers and all(code == 200 for code in answers.values()), answers


@pytest.mark.parametrize("role", [Role.CX_MANAGER, Role.AGENT])
def test_it_hides_an_entry_whose_capability_the_role_lacks(role, members, client):
    settings_url = reverse("tenancy:settings", kwargs={"org_slug": "alpha"})
    client.force_login(members[role])
    assert settings_url not in nav_links(client.get(HOME).content.decode())
    # Hidden, and really closed: the page answers 403 to this role.
    assert client.get(settings_url).status_code == 403


def test_it_hides_the_configure_entries_from_an_agent_only(members, client):
    imports_url = reverse("contacts:imports", kwargs={"org_slug": "alpha"})
    client.force_login(members[Role.CX_MANAGER])
    assert imports_url in nav_links(client.get(HOME).content.decode())
    client.force_login(members[Role.AGENT])
    assert imports_url not in nav_links(client.get(HOME).content.decode())


def test_it_shows_a_newly_registered_entry_to_the_roles_allowed(members, client, extra_entry):
    audit_url = reverse("tenancy:audit", kwargs={"org_slug": "alpha"})
    client.force_login(members[Role.ADMIN])
    assert audit_url not in nav_links(client.get(HOME).content.decode())

    extra_entry(
        NavEntry("test-audit", "Audit (test)", "tenancy:audit", "manage_organization", order=1)
    )

    response = client.get(HOME)
    links = nav_links(response.content.decode())
    # Placed by its order: right after Home (order 0), before everything else.
    assert links[:2] == [HOME, audit_url]
    assert "Audit (test)" in response.content.decode()
    client.force_login(members[Role.CX_MANAGER])
    assert audit_url not in nav_links(client.get(HOME).content.decode())


def test_it_forgets_an_entry_once_unregistered(members, client, extra_entry):
    audit_url = reverse("tenancy:audit", kwargs={"org_slug": "alpha"})
    extra_entry(NavEntry("test-audit", "Audit (test)", "tenancy:audit", "manage_organization"))
    client.force_login(members[Role.ADMIN])
    assert audit_url in nav_links(client.get(HOME).content.decode())
    registry.navigation.unregister("test-audit")
    assert audit_url not in nav_links(client.get(HOME).content.decode())


def test_it_shows_no_navigation_outside_an_organization(admin_a, org_b, client):
    """The organization picker and the login page have no organization to navigate."""
    client.force_login(admin_a)
    Membership.objects.create(organization=org_b, user=admin_a, role=Role.AGENT)
    response = client.get(reverse("tenancy:pick_organization"))
    assert response.status_code == 200
    assert nav_links(response.content.decode()) == []
    client.logout()
    assert nav_links(client.get(reverse("login")).content.decode()) == []


# --- the Registry class itself ---------------------------------------------------------------


def test_it_refuses_a_key_registered_twice():
    items = Registry("things")
    items.register(NavEntry("a", "A", "tenancy:home"))
    with pytest.raises(ImproperlyConfigured, match="'a' is registered twice"):
        items.register(NavEntry("a", "Another A", "tenancy:settings"))


def test_it_iterates_by_order_then_key():
    items = Registry("things")
    for key, order in (("c", 10), ("b", 20), ("a", 20), ("d", 0)):
        items.register(NavEntry(key, key, "tenancy:home", order=order))
    assert [item.key for item in items] == ["d", "c", "a", "b"]
    assert len(items) == 4
    assert items.get("a").order == 20 and items.get("missing") is None
    items.unregister("a")
    items.unregister("missing")  # unregistering nothing is harmless
    assert [item.key for item in items] == ["d", "c", "b"]


def test_it_refuses_an_unknown_capability_in_a_registered_entry(members, client, extra_entry):
    """A typo in a capability must fail loudly, not hide (or show) an entry silently."""
    extra_entry(NavEntry("test-typo", "Typo", "tenancy:home", capability="veiw"))
    client.force_login(members[Role.ADMIN])
    with pytest.raises(ValueError, match="unknown capability 'veiw'"):
        client.get(HOME)
