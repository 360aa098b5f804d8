"""seed_demo's six months of answers: several touchpoints and channels, both languages' verbatims,
real response rates, weak spots the statistics see, consistent rows, and nothing added again."""

import io
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count

from surveys.models import Answer, Interaction, Invitation, Response
from surveys.statistics import level_band, measure
from vocapp.tenancy.models import Organization
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # six months back crosses October's DST change


def seed():
    call_command("seed_demo", stdout=io.StringIO())
    return Organization.objects.get(slug="demo")


def table_counts(organization):
    """Rows of every surveys model of the organization (the rollups' too, once they exist)."""
    return {
        model.__name__: model._base_manager.filter(organization=organization).count()
        for model in apps.get_app_config("surveys").get_models()
        if any(field.name == "organization" for field in model._meta.fields)
    }


def touchpoint_value(organization, key, metric, since=None):
    answers = Answer.objects.filter(response__touchpoint__key=key, question__kind=metric)
    if since is not None:
        answers = answers.filter(created_at__gte=since)
    counts = Counter()
    for scale_min, scale_max, score, count in answers.values_list(
        "question__scale_min", "question__scale_max", "score"
    ).annotate(count=Count("id")):
        counts[(scale_min, scale_max, score)] += count
    value = measure(metric, counts, organization.minimum_n)
    band = level_band(
        value.level, organization.level_neutral_from, organization.level_enchantment_from
    )
    return value, band


@time_machine.travel(NOW, tick=False)
def test_the_demo_holds_six_months_of_answers_that_tell_a_story():
    demo = seed()
    with organization_scope(demo):
        answers = Answer.objects.select_related("response__touchpoint", "question")
        scored = answers.filter(question__kind__in=["nps", "csat", "ces"])
        first = scored.order_by("created_at").first().created_at
        assert first < NOW - timedelta(days=170), first
        assert scored.order_by("-created_at").first().created_at <= NOW
        per_touchpoint = Counter(scored.values_list("response__touchpoint__key", flat=True))
        assert set(per_touchpoint) >= {
            "parcel-received",
            "support-call",
            "return-request",
            "purchase",
            "first-use",
        }, per_touchpoint
        assert all(count >= 100 for count in per_touchpoint.values()), per_touchpoint
        assert set(scored.values_list("question__kind", flat=True)) == {"nps", "csat", "ces"}
        channels = set(Response.objects.values_list("channel", flat=True))
        assert channels == {"sms", "email", "link", "qr"}

        # Verbatims in both languages that say why, on the weak spots too.
        verbatims = answers.filter(question__kind="text").exclude(text="")
        by_locale = Counter(verbatims.values_list("response__locale", flat=True))
        assert by_locale["fr"] >= 200 and by_locale["en"] >= 30, by_locale
        texts = set(verbatims.values_list("text", flat=True))
        assert len(texts) >= 60
        assert any("retard" in text for text in texts)
        assert any("late" in text for text in texts)
        assert any("rembours" in text for text in texts)

        # Weak spots: the statistics call parcel delivery and the support call disappointing,
        # checkout enchanting, over the whole history and over the last 90 days.
        for since in (None, NOW - timedelta(days=90)):
            parcel, parcel_band = touchpoint_value(demo, "parcel-received", "nps", since)
            call, call_band = touchpoint_value(demo, "support-call", "csat", since)
            purchase, purchase_band = touchpoint_value(demo, "purchase", "nps", since)
            assert parcel_band == "disappointing" and parcel.value < 0, parcel
            assert call_band == "disappointing", call
            assert purchase_band == "enchantment" and purchase.value > 30, purchase
            assert not parcel.low_n and not call.low_n and not purchase.low_n

        # A dip six weeks ago, recovered since.
        dip, _ = touchpoint_value(demo, "parcel-received", "nps", NOW - timedelta(days=49))
        recent, _ = touchpoint_value(demo, "parcel-received", "nps", NOW - timedelta(days=28))
        assert recent.value > dip.value

        # Response rates from invitations: sent, delivered, answered and expired; email lower.
        invitations = Invitation.objects.filter(
            interaction__external_id__startswith="demo-history-"
        )
        states = Counter(invitations.values_list("state", flat=True))
        assert {"sent", "delivered", "answered", "expired"} <= set(states), states
        rates = {}
        for channel in ("sms", "email"):
            base = invitations.filter(
                channel=channel, state__in=["sent", "delivered", "answered", "expired"]
            )
            rates[channel] = base.filter(state="answered").count() / base.count() * 100
        assert 30 <= rates["sms"] <= 50 and 12 <= rates["email"] < rates["sms"], rates
        overall = states["answered"] / sum(states.values()) * 100
        assert 25 <= overall <= 40, (overall, states)

        # Consistent rows: one response per first invitation, answered exactly when one exists,
        # answered after it was sent and before its link expired; answers after the response
        # started.
        responses = Response.objects.filter(invitation__isnull=False).select_related("invitation")
        answered = Counter(responses.values_list("invitation_id", flat=True))
        assert max(answered.values()) == 1
        firsts = invitations.filter(follows__isnull=True)
        assert set(firsts.filter(state="answered").values_list("pk", flat=True)) == set(answered)
        for response in responses:
            invitation = response.invitation
            assert invitation.sent_at < response.started_at < invitation.expires_at
            assert response.started_at <= response.completed_at <= NOW
            assert response.contact_id == invitation.contact_id
            assert response.touchpoint_id == invitation.touchpoint_id
        assert not answers.filter(created_at__lt=NOW - timedelta(days=200)).exists()
        reminders = invitations.filter(kind="reminder")
        assert reminders.exists() and not reminders.filter(follows__isnull=True).exists()
        assert Interaction.objects.filter(attributes__carrier="Mondial Relay").exists()


@time_machine.travel(NOW, tick=False)
def test_seeding_the_answers_again_adds_nothing():
    demo = seed()
    before = table_counts(demo)
    assert before["Answer"] > 3000, before
    seed()
    assert table_counts(demo) == before


def test_a_later_seeding_adds_nothing_either():
    with time_machine.travel(NOW, tick=False):
        demo = seed()
        before = table_counts(demo)
    with time_machine.travel(NOW + timedelta(days=9), tick=False):
        seed()
    assert table_counts(demo) == before
