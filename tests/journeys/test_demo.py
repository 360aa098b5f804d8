"""The demo journey: made once, with the stable keys surveys' demo seeder attaches rules to."""

import random

import pytest
from django.utils import timezone

from journeys.demo import DEMO_JOURNEY, seed_journeys
from journeys.models import Journey, Persona, Touchpoint
from vocapp import registry
from vocapp.management.commands.seed_demo import seed_people
from vocapp.tenancy.models import Organization
from vocapp.tenancy.roles import Role
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db


def test_the_demo_journey_is_made_once_with_stable_keys_and_owners():
    organization = Organization.objects.create(name="Maison Demo", slug="demo")
    people = seed_people(organization)
    with organization_scope(organization):
        for _ in range(2):
            seed_journeys(organization, rng=random.Random(1), today=timezone.localdate())

        journey = Journey.objects.get()
        assert journey.name == DEMO_JOURNEY
        assert journey.persona == Persona.objects.get()
        touchpoints = {tp.key: tp for tp in Touchpoint.objects.filter(stage__journey=journey)}
    assert {"purchase", "parcel-received", "support-call", "shipping-notice"} <= set(touchpoints)
    assert touchpoints["parcel-received"].owner == people[Role.CX_MANAGER][0]
    assert touchpoints["support-call"].owner in people[Role.AGENT]
    assert touchpoints["parcel-received"].friction_points
    assert all(
        tp.is_moment_of_truth
        for key, tp in touchpoints.items()
        if key in {"purchase", "parcel-received", "support-call"}
    )


def test_the_seeder_runs_after_the_contacts():
    seeders = {seeder.key: seeder for seeder in registry.demo_seeders}
    assert seeders["contacts"].order < seeders["journeys"].order
