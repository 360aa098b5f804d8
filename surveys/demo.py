"""Demo surveys and how the demo journey ("Online order", made by journeys' seeder) is listened
to: a hot SMS rule, a hot SMS-then-email rule, a warm email rule, and a cold barometer twice a year.

Idempotent: surveys are found again by their library key, rules by touchpoint and survey, the
campaign by name. A touchpoint the journey does not have (renamed, archived) is skipped.
"""

from datetime import timedelta

from journeys.demo import DEMO_JOURNEY
from journeys.models import Touchpoint
from vocapp.contacts.models import Segment

from .library import create_from_library
from .models import Campaign, ListeningRule, SendChannel, Survey, Timing

LIBRARY_KEYS = ("post_purchase_nps", "post_contact_csat", "post_support_ces", "cold_barometer")
# (touchpoint key, library survey, timing, delay minutes, channels, priority, reminder days)
RULES = (
    ("parcel-received", "post_purchase_nps", Timing.HOT, 0, ["sms", "email"], 80, 2),
    ("support-call", "post_contact_csat", Timing.HOT, 0, ["sms"], 70, None),
    ("return-request", "post_support_ces", Timing.WARM, 2 * 24 * 60, ["email"], 50, 3),
)
CAMPAIGN = "Customer barometer (twice a year)"


def seed_surveys(organization, *, rng, today):
    surveys = {}
    for key in LIBRARY_KEYS:
        survey = Survey.objects.filter(library_key=key).order_by("pk").first()
        surveys[key] = survey or create_from_library(None, organization, key)
    touchpoints = {
        touchpoint.key: touchpoint
        for touchpoint in Touchpoint.objects.filter(
            stage__journey__name=DEMO_JOURNEY, archived_at__isnull=True
        )
    }
    for key, survey_key, timing, delay, channels, priority, reminder in RULES:
        touchpoint = touchpoints.get(key)
        if touchpoint is None:
            continue
        ListeningRule.objects.get_or_create(
            organization=organization,
            touchpoint=touchpoint,
            survey=surveys[survey_key],
            defaults={
                "timing": timing,
                "delay_minutes": delay,
                "channels": channels,
                "priority": priority,
                "reminder_after_days": reminder,
            },
        )
    first_of_next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    Campaign.objects.get_or_create(
        organization=organization,
        name=CAMPAIGN,
        defaults={
            "survey": surveys["cold_barometer"],
            "segment": Segment.objects.filter(name="Loyal customers (5+ orders)").first(),
            "channels": [SendChannel.EMAIL, SendChannel.SMS],
            "starts_on": first_of_next_month,
            "repeat_every_days": Campaign.MIN_COMFORTABLE_REPEAT_DAYS,
            "sample_size": 150,
        },
    )
