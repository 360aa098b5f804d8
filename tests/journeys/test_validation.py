"""Model and form validation: keys, bounds, and an owner who must be a member."""

import pytest
from django.core.exceptions import ValidationError

from journeys.forms import JourneyForm, PersonaForm, TouchpointForm
from journeys.models import Persona, Stage, Touchpoint
from tests.conftest import make_member
from vocapp.contacts.models import Segment
from vocapp.tenancy.roles import Role
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def stage(ecommerce_a, scope_a):
    return Stage.objects.filter(journey=ecommerce_a).first()


def touchpoint_form(org, home, **data):
    """The form adding a touchpoint to the stage ``home``, with ``data`` over valid defaults."""
    body = {
        "name": "Visits the blog",
        "stage": home.pk,
        "key": "",
        "channel": "web",
        "direction": "pull",
        "nature": "informative",
        "importance": 3,
        "target_score": 80,
        **data,
    }
    return TouchpointForm(
        body,
        instance=Touchpoint(organization=org, stage=home),
        organization=org,
        journey=home.journey,
    )


@pytest.mark.parametrize(
    "field, value",
    [
        ("key", "Parcel Received"),
        ("key", "-starts-with-dash"),
        ("key", "x" * 61),
        ("importance", 0),
        ("importance", 6),
        ("target_score", 101),
        ("channel", "pigeon"),
        ("direction", "sideways"),
    ],
)
def test_the_model_refuses_bad_values(field, value, stage, org_a):
    touchpoint = Touchpoint(organization=org_a, stage=stage, name="Blog", key="blog")
    setattr(touchpoint, field, value)
    with pytest.raises(ValidationError) as error:
        touchpoint.full_clean()
    assert field in error.value.message_dict


def test_a_valid_touchpoint_passes(stage, org_a):
    Touchpoint(
        organization=org_a,
        stage=stage,
        name="Blog",
        key="blog_posts-2",
        importance=5,
        target_score=100,
    ).full_clean()


def test_the_form_makes_a_key_from_the_name(stage, org_a):
    form = touchpoint_form(org_a, stage)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["key"] == ""  # the service makes "visits-the-blog"


def test_the_form_refuses_a_key_already_used(stage, org_a):
    form = touchpoint_form(org_a, stage, key="parcel-received")
    assert not form.is_valid()
    assert form.errors["key"] == ["Another touchpoint already uses this key."]


def test_the_form_refuses_a_badly_formed_key(stage, org_a):
    form = touchpoint_form(org_a, stage, key="Parcel Received")
    assert not form.is_valid()
    assert "key" in form.errors


def test_the_owner_must_be_a_member_of_the_organization(stage, org_a, manager_a, outsider):
    assert touchpoint_form(org_a, stage, owner=manager_a.pk).is_valid()
    form = touchpoint_form(org_a, stage, owner=outsider.pk)
    assert not form.is_valid()
    assert "owner" in form.errors


def test_the_stage_must_be_of_the_same_journey(stage, org_a, manager_a):
    from journeys.services import create_journey_from_template

    other = create_journey_from_template(org_a, "retail", manager_a)
    foreign_stage = Stage.objects.filter(journey=other).first()
    form = touchpoint_form(org_a, stage, stage=foreign_stage.pk)
    assert not form.is_valid()
    assert "stage" in form.errors


def test_another_organizations_segment_or_persona_is_not_a_choice(org_a, org_b):
    with organization_scope(org_b):
        segment_b = Segment.objects.create(name="B only", conditions=[])
        persona_b = Persona.objects.create(name="B persona")
    with organization_scope(org_a):
        persona_form = PersonaForm({"name": "P", "segment": segment_b.pk})
        assert not persona_form.is_valid()
        assert "segment" in persona_form.errors
        journey_form = JourneyForm({"name": "J", "kind": "customer", "persona": persona_b.pk})
        assert not journey_form.is_valid()
        assert "persona" in journey_form.errors


def test_an_archived_persona_is_not_offered_for_a_new_journey(org_a, scope_a):
    from django.utils import timezone

    Persona.objects.create(name="Old", archived_at=timezone.now())
    live = Persona.objects.create(name="Live")
    assert list(JourneyForm().fields["persona"].queryset) == [live]


def test_members_of_every_role_can_own_a_touchpoint(stage, org_a):
    agent = make_member(org_a, "someone@alpha.test", Role.AGENT)
    assert touchpoint_form(org_a, stage, owner=agent.pk).is_valid()
