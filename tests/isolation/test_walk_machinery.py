"""The walk's own machinery: it must notice a new page, and the foreign-key check must bite.

Few API serializers have relation fields yet; these tests prove on purpose-built ones that the
generic check in test_cross_tenant_walk.py finds them and tells a foreign id from a missing one.
"""

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from rest_framework import serializers

import vocapp.urls
from tests.walk import (
    TENANT_PAGES,
    Page,
    World,
    missing_pk,
    nest,
    relation_fields,
    same_message,
    unclassified_entries,
)
from vocapp.api.fields import ScopedPrimaryKeyRelatedField
from vocapp.tenancy.models import Team, User
from vocapp.tenancy.scope import organization_scope


def unlisted_view(request, org_slug):
    return HttpResponse("new")


urlpatterns = [
    *vocapp.urls.urlpatterns,
    path("o/<slug:org_slug>/brand-new/", unlisted_view, name="brand_new_page"),
]


@override_settings(ROOT_URLCONF=__name__)
def test_it_fails_on_a_page_nobody_classified():
    labels = [entry.label for entry in unclassified_entries()]
    assert labels == ["brand_new_page /o/<slug:org_slug>/brand-new/"]


@override_settings(ROOT_URLCONF=__name__)
def test_it_accepts_the_page_once_classified(monkeypatch):
    monkeypatch.setitem(TENANT_PAGES, "brand_new_page", Page(get="view"))
    assert unclassified_entries() == []


class TeamReference(serializers.Serializer):
    team = ScopedPrimaryKeyRelatedField(model=Team)
    teams = ScopedPrimaryKeyRelatedField(model=Team, many=True, required=False)


class Row(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())


class Nested(serializers.Serializer):
    reference = TeamReference()
    rows = Row(many=True)
    note = serializers.CharField()


def test_it_finds_every_relation_field_nested_or_not():
    found = {(".".join(f.path), f.model, f.many, f.scoped) for f in relation_fields(Nested())}
    assert found == {
        ("reference.team", Team, False, True),
        ("reference.teams", Team, True, True),
        ("rows.0.lead", User, False, False),
    }


def test_it_nests_a_value_along_a_field_path():
    assert nest(("rows", "0", "team"), 5) == {"rows": [{"team": 5}]}
    assert nest(("reference", "team"), 5) == {"reference": {"team": 5}}


@pytest.mark.django_db
def test_it_answers_another_organizations_id_like_a_missing_one(org_a, org_b):
    with organization_scope(org_a):
        team_a = Team.objects.create(name="A team")
    with organization_scope(org_b):
        team_b = Team.objects.create(name="B team")
        absent = missing_pk(Team)
        foreign = TeamReference(data={"team": team_a.pk, "teams": [team_a.pk]})
        missing = TeamReference(data={"team": absent, "teams": [absent]})
        own = TeamReference(data={"team": team_b.pk, "teams": [team_b.pk]})
        assert not foreign.is_valid() and not missing.is_valid()
        assert own.is_valid(), own.errors
    for name in ("team", "teams"):
        foreign_messages = [str(m) for m in foreign.errors[name]]
        missing_messages = [str(m) for m in missing.errors[name]]
        assert same_message(foreign_messages, missing_messages, (team_a.pk, absent))
    assert own.validated_data["team"] == team_b


def test_it_tells_different_messages_apart():
    assert not same_message(["Invalid pk 4."], ["Belongs to another organization."], (4, 9))
    assert same_message(['Invalid pk "4".'], ['Invalid pk "9".'], (4, 9))


@pytest.mark.django_db
def test_it_gives_every_kind_of_object_to_either_organization(org_a, org_b, admin_a, outsider):
    world = World(org=org_a, other=org_b, admin=admin_a, manager=None, agent=None, outsider=None)
    with pytest.raises(LookupError, match="no factory"):
        world.get("no-such-kind")
    team = world.get("team")
    assert world.get("team") is team and team.organization == org_a
    assert world.get("team", org_b).organization == org_b
