"""seed_demo: surveys from the library, how the demo journey is listened to, and the invitations
its interactions make, idempotently."""

import io
from collections import Counter
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command

from surveys.models import (
    Campaign,
    Interaction,
    Invitation,
    ListeningRule,
    Question,
    Survey,
    SurveyVersion,
)
from vocapp.tenancy.models import Organization
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db


def counts(organization):
    return {
        model.__name__: model.objects.unscoped().filter(organization=organization).count()
        for model in (
            Survey,
            SurveyVersion,
            Question,
            ListeningRule,
            Campaign,
            Interaction,
            Invitation,
        )
    }


def test_the_demo_is_listened_to_hot_warm_and_cold_and_seeding_again_changes_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    demo = Organization.objects.get(slug="demo")
    with organization_scope(demo):
        rules = list(ListeningRule.objects.select_related("touchpoint", "survey"))
        campaign = Campaign.objects.select_related("survey").get()
        library = set(Survey.objects.values_list("library_key", flat=True))
    assert library >= {"post_purchase_nps", "post_contact_csat", "cold_barometer"}
    assert any(rule.timing == "hot" and rule.channels[0] == "sms" for rule in rules)
    assert any(rule.timing == "warm" and rule.channels == ["email"] for rule in rules)
    assert all(rule.active and rule.touchpoint.archived_at is None for rule in rules)
    for rule in rules:
        rule.clean()
    assert campaign.survey.library_key == "cold_barometer"
    assert campaign.repeat_every_days == 182 and not campaign.too_frequent
    campaign.clean()
    before = counts(demo)
    call_command("seed_demo", stdout=io.StringIO())
    assert counts(demo) == before


@time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=UTC), tick=False)  # Tuesday, 10:00 Paris
def test_the_demo_shows_invitations_scheduled_and_not_sent_with_their_reasons():
    call_command("seed_demo", stdout=io.StringIO())
    demo = Organization.objects.get(slug="demo")
    with organization_scope(demo):
        interactions = Interaction.objects.count()
        invitations = list(Invitation.objects.all())
    assert interactions >= 30
    scheduled = Counter(i.channel for i in invitations if i.state == "scheduled")
    assert scheduled["sms"] >= 5 and scheduled["email"] >= 3, scheduled
    reasons = {i.reason for i in invitations if i.state == "suppressed"}
    assert reasons >= {"stale_event", "duplicate", "fatigue", "no_consent", "opted_out"}, reasons
