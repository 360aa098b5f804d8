"""Load the demo organization: the shop window of `make run`.

Idempotent (running it again changes nothing that is already there), deterministic (a fixed random
seed) and relative to today, so the demo always looks current. Each app adds its part through
``registry.demo_seeders``.
"""

import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from vocapp import registry
from vocapp.tenancy.models import Membership, Organization, Team, User
from vocapp.tenancy.roles import Role
from vocapp.tenancy.scope import organization_scope

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105  (the published demo login; refused in production)
DEMO_PEOPLE = [
    ("demo@example.com", "Alex Martin", Role.ADMIN),
    ("claire@example.com", "Claire Dubois", Role.CX_MANAGER),
    ("karim@example.com", "Karim Benali", Role.AGENT),
    ("sophie@example.com", "Sophie Laurent", Role.AGENT),
]
RANDOM_SEED = 20261123


def ensure_user(email, full_name):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
    return user


def seed_people(organization):
    users = {}
    for email, full_name, role in DEMO_PEOPLE:
        user = ensure_user(email, full_name)
        Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": role}
        )
        users[role] = users.get(role, []) + [user]
    with organization_scope(organization):
        team, _ = Team.objects.get_or_create(
            organization=organization,
            name="After-sales",
            defaults={"lead": users[Role.CX_MANAGER][0]},
        )
        team.members.add(*users[Role.AGENT], users[Role.CX_MANAGER][0])
    return users


class Command(BaseCommand):
    help = "Create or complete the demo organization (login demo@example.com / demo)."

    def handle(self, *args, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError("seed_demo refuses to run with production settings.")
        with transaction.atomic():
            organization, created = Organization.objects.get_or_create(
                slug=DEMO_SLUG,
                defaults={
                    "name": "Maison Demo",
                    "time_zone": "Europe/Paris",
                    "country": "FR",
                    "currency": "EUR",
                    "default_locale": "en",
                },
            )
            seed_people(organization)
            rng = random.Random(RANDOM_SEED)  # noqa: S311  (demo data, not security)
            today = timezone.localdate()
            with organization_scope(organization):
                for seeder in registry.demo_seeders:
                    seeder.seed(organization, rng=rng, today=today)
        state = "created" if created else "already there, completed"
        self.stdout.write(
            f"Demo organization {state}: /o/{DEMO_SLUG}/ "
            f"(sign in as demo@example.com / {DEMO_PASSWORD})"
        )
