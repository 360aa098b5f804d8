"""The two scoping layers (fail-closed manager, API base), the task decorator and access helpers."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from rest_framework import viewsets

from vocapp.tenancy.access import get_object_for_member, resolve_membership
from vocapp.tenancy.api.base import OrganizationModelViewSet, OrganizationViewSetMixin
from vocapp.tenancy.models import Membership, Organization, Team
from vocapp.tenancy.scope import (
    NoOrganizationInScope,
    current_organization,
    organization_scope,
    tenant_task,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(org_a, org_b):
    with organization_scope(org_a):
        team_a = Team.objects.create(name="Alpha team")
    with organization_scope(org_b):
        team_b = Team.objects.create(name="Beta team")
    return team_a, team_b


# --- the fail-closed manager ---------------------------------------------------------------


def test_it_refuses_to_query_without_an_organization(teams):
    with pytest.raises(NoOrganizationInScope):
        Team.objects.all()
    with pytest.raises(NoOrganizationInScope):
        Team.objects.filter(name="Alpha team").exists()
    with pytest.raises(NoOrganizationInScope):
        Team.objects.count()


def test_it_filters_to_the_organization_in_scope(teams, org_a, org_b):
    team_a, team_b = teams
    with organization_scope(org_a):
        assert list(Team.objects.all()) == [team_a]
        assert not Team.objects.filter(pk=team_b.pk).exists()
    with organization_scope(org_b):
        assert list(Team.objects.all()) == [team_b]


def test_it_reads_every_organization_through_the_escape_hatch(teams):
    assert set(Team.objects.unscoped()) == set(teams)


def test_it_creates_in_the_organization_in_scope(org_a):
    with organization_scope(org_a):
        team = Team.objects.create(name="Made here")
    assert team.organization == org_a


def test_it_refuses_to_create_for_another_organization(org_a, org_b):
    with organization_scope(org_a), pytest.raises(NoOrganizationInScope):
        Team.objects.create(name="Smuggled", organization=org_b)
    assert not Team.objects.unscoped().filter(name="Smuggled").exists()


def test_it_refuses_to_create_without_an_organization(org_a):
    with pytest.raises(NoOrganizationInScope):
        Team.objects.create(name="Nowhere", organization=org_a)


def test_it_restores_the_outer_scope(org_a, org_b):
    assert current_organization() is None
    with organization_scope(org_a):
        with organization_scope(org_b):
            assert current_organization() == org_b
        assert current_organization() == org_a
    assert current_organization() is None


def test_it_leaves_no_scope_behind_after_a_request(client, admin_a):
    client.force_login(admin_a)
    assert client.get("/o/alpha/settings/teams/").status_code == 200
    assert current_organization() is None


# --- tasks -----------------------------------------------------------------------------------


def test_it_runs_a_tenant_task_inside_its_organizations_scope(teams, org_a):
    seen = []

    @tenant_task
    def count_teams(organization_id, suffix):
        seen.append((current_organization(), suffix))
        return [team.name for team in Team.objects.all()]

    assert count_teams(org_a.pk, "x") == ["Alpha team"]
    assert seen == [(org_a, "x")]
    assert current_organization() is None


def test_it_does_nothing_for_a_deleted_organization(org_b):
    calls = []

    @tenant_task
    def body(organization_id):
        calls.append(organization_id)
        return "ran"

    gone = Organization.objects.create(name="Gone", slug="gone")
    gone_id = gone.pk
    gone.delete()
    assert body(gone_id) is None
    assert calls == []


# --- the API base ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get_queryset", "perform_create"])
def test_it_refuses_an_api_view_that_overrides_the_owned_methods(method):
    with pytest.raises(TypeError, match=method):
        type(
            "SneakyViewSet",
            (OrganizationModelViewSet,),
            {method: lambda self, *args: None, "model": Team},
        )


def test_it_accepts_an_api_view_that_narrows_the_queryset():
    class NarrowViewSet(OrganizationViewSetMixin, viewsets.ReadOnlyModelViewSet):
        model = Team

        def narrow_queryset(self, queryset):
            return queryset.filter(name__startswith="A")

    assert NarrowViewSet.get_queryset is OrganizationViewSetMixin.get_queryset


def test_it_scopes_the_api_base_queryset(teams, org_a):
    class TeamViewSet(OrganizationModelViewSet):
        model = Team

    view = TeamViewSet()
    with pytest.raises(NoOrganizationInScope):
        view.get_queryset()
    with organization_scope(org_a):
        assert list(view.get_queryset()) == [teams[0]]


# --- access helpers --------------------------------------------------------------------------


def member_request(user, organization):
    request = RequestFactory().get("/")
    request.user = user
    request.membership = Membership.objects.get(user=user, organization=organization)
    request.organization = organization
    return request


def test_it_answers_404_for_another_organizations_object(teams, outsider, org_b):
    team_a, team_b = teams
    request = member_request(outsider, org_b)
    with organization_scope(org_b):
        with pytest.raises(Http404):
            get_object_for_member(request, Team, team_a.pk, "manage_organization")
        assert get_object_for_member(request, Team, team_b.pk, "manage_organization") == team_b


def test_it_answers_403_for_a_role_too_low(teams, agent_a, org_a):
    team_a, _ = teams
    request = member_request(agent_a, org_a)
    with organization_scope(org_a):
        assert get_object_for_member(request, Team, team_a.pk, "view") == team_a
        with pytest.raises(PermissionDenied):
            get_object_for_member(request, Team, team_a.pk, "manage_organization")


def test_it_answers_404_before_403(teams, agent_a, org_a):
    """A missing object is a 404 even for a role that could not act on it anyway."""
    _, team_b = teams
    request = member_request(agent_a, org_a)
    with organization_scope(org_a), pytest.raises(Http404):
        get_object_for_member(request, Team, team_b.pk, "manage_organization")


def test_it_resolves_a_membership_only_for_members(admin_a, outsider, org_a):
    from django.contrib.auth.models import AnonymousUser

    assert resolve_membership(admin_a, "alpha").organization == org_a
    with pytest.raises(Http404):
        resolve_membership(outsider, "alpha")
    with pytest.raises(Http404):
        resolve_membership(admin_a, "no-such-organization")
    with pytest.raises(Http404):
        resolve_membership(AnonymousUser(), "alpha")


def test_it_answers_the_same_404_for_another_organization_and_a_missing_one(client, outsider):
    client.force_login(outsider)
    other = client.get("/o/alpha/")
    missing = client.get("/o/no-such-organization/")
    assert other.status_code == missing.status_code == 404
    assert _without_request_details(other) == _without_request_details(missing)


def _without_request_details(response):
    """The page minus what differs per request anyway: the CSRF token and the current path."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return text.replace(response.wsgi_request.path, "<path>")


def test_it_takes_the_organization_from_the_url_not_the_session(client, admin_a, org_b):
    """A member of both sees each organization at its own address."""
    Membership.objects.create(organization=org_b, user=admin_a, role="agent")
    client.force_login(admin_a)
    assert client.get("/o/alpha/settings/").status_code == 200
    assert client.get("/o/beta/settings/").status_code == 403
    assert client.get("/o/alpha/settings/").status_code == 200
