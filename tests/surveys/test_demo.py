"""seed_demo: surveys from the library and how the demo journey is listened to, idempotently."""

import io

import pytest
from django.core.management import call_command

from surveys.models import Campaign, ListeningRule, Question, Survey, SurveyVersion
from vocapp.tenancy.models import Organization
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db


def counts(organization):
    return {
        model.__name__: model.objects.unscoped().filter(organization=organization).count()
        for model in (Survey, SurveyVersion, Question, ListeningRule, Campaign)
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
