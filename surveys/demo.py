"""Demo surveys and how the demo journey ("Online order", made by journeys' seeder) is listened
to: a hot SMS rule, a hot SMS-then-email rule, a warm email rule, and a cold barometer twice a year.
Then the past days' interactions of the demo customers, through ``ingest`` as the API would take
them, so that the demo shows invitations scheduled and others not sent, each with its reason.

A shared sender number on the platform's Twilio account lets the demo send SMS.

Idempotent: surveys are found again by their library key, rules by touchpoint and survey, the
campaign by name, interactions by their external id (seeding again replays them), the shared
sender by its number. A touchpoint the journey does not have (renamed, archived) is skipped.
"""

from datetime import datetime, time, timedelta

from journeys.demo import DEMO_JOURNEY
from journeys.models import Touchpoint
from vocapp.contacts.models import Segment

from .ingestion import ingest
from .library import create_from_library
from .models import Campaign, ListeningRule, SendChannel, SenderNumber, Survey, Timing

LIBRARY_KEYS = ("post_purchase_nps", "post_contact_csat", "post_support_ces", "cold_barometer")
# (touchpoint key, library survey, timing, delay minutes, channels, priority, reminder days)
RULES = (
    ("parcel-received", "post_purchase_nps", Timing.HOT, 0, ["sms", "email"], 80, 2),
    ("support-call", "post_contact_csat", Timing.HOT, 0, ["sms"], 70, None),
    ("return-request", "post_support_ces", Timing.WARM, 2 * 24 * 60, ["email"], 50, 3),
)
CAMPAIGN = "Customer barometer (twice a year)"
# Twilio's test number for "from": accepted by test credentials, never a real phone.
DEMO_SHARED_SENDER = "+15005550006"


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


def seed_channels(organization, *, rng, today):
    """A sender shared by every organization, on the platform's Twilio account (no account)."""
    SenderNumber.objects.get_or_create(
        number=DEMO_SHARED_SENDER,
        defaults={"organization": None, "account": None, "label": "Demo shared number"},
    )


# The demo customers' interactions (customers CUST-<10000 + index> of vocapp.contacts.demo):
# (touchpoint key, days before today, local time, customer index). What they show, decided in
# the order they happened: yesterday's parcels and calls are surveyed while still hot (within a
# day: an SMS, or an email for those without SMS consent); older ones are stale; a second parcel
# the same day is a duplicate; a call after a surveyed parcel hits fatigue while a parcel after a
# call takes its place (higher priority); returns are surveyed by email two days later unless
# opted out. Which of yesterday's are still hot depends on the hour the demo is seeded.
INTERACTIONS = (
    ("support-call", 1, "09:05", 99),
    ("support-call", 1, "10:12", 12),
    ("support-call", 1, "11:47", 20),  # no SMS consent and the rule is SMS only
    ("parcel-received", 1, "12:48", 160),
    ("parcel-received", 1, "13:55", 171),
    ("support-call", 1, "14:30", 57),
    ("support-call", 1, "15:05", 63),
    ("parcel-received", 1, "15:33", 0),  # no SMS consent, email opted out
    ("parcel-received", 1, "16:10", 76),
    ("parcel-received", 1, "17:42", 3),
    ("parcel-received", 1, "18:05", 10),  # no SMS consent: by email
    ("parcel-received", 1, "18:31", 12),  # takes the place of the call's survey if pending
    ("return-request", 1, "18:40", 76),  # fatigue: surveyed about a parcel that afternoon
    ("parcel-received", 1, "18:58", 37),
    ("parcel-received", 1, "19:05", 3),  # duplicate: the same rule surveyed them today
    ("parcel-received", 1, "19:20", 41),
    ("support-call", 1, "19:30", 41),  # fatigue: surveyed about a parcel ten minutes ago
    ("parcel-received", 1, "19:47", 56),
    ("return-request", 1, "09:30", 66),
    ("return-request", 2, "13:10", 72),
    ("parcel-received", 2, "11:15", 88),
    ("support-call", 2, "10:30", 105),
    ("return-request", 2, "16:00", 117),
    ("parcel-received", 2, "18:20", 185),
    ("return-request", 3, "10:05", 83),
    ("return-request", 3, "17:45", 111),  # email opted out
    ("parcel-received", 3, "14:02", 95),
    ("support-call", 3, "15:15", 121),
    ("return-request", 4, "12:20", 124),
    ("parcel-received", 4, "10:40", 103),
    ("parcel-received", 5, "16:25", 119),
    ("return-request", 5, "15:00", 136),
    ("support-call", 5, "11:00", 133),
    ("parcel-received", 6, "12:12", 130),
    ("return-request", 6, "11:40", 145),  # past the warm rule's grace: stale
    ("support-call", 7, "17:20", 150),
    ("parcel-received", 8, "09:50", 142),
    ("return-request", 9, "14:15", 158),
    ("parcel-received", 9, "10:25", 201),
    ("support-call", 10, "16:35", 212),
)
EVENT_PREFIXES = {"parcel-received": "DLV", "support-call": "CALL", "return-request": "RMA"}
CARRIERS = ("Colissimo", "Chronopost", "Mondial Relay")
AGENTS = ("Karim", "Sophie")
CALL_REASONS = ("late delivery", "damaged item", "refund", "invoice")
RETURN_REASONS = ("wrong size", "damaged item", "changed my mind")


def seed_interactions(organization, *, rng, today):
    """The interactions above, planned by the demo's listening rules (``rng`` is not used:
    the same events every run, or seeding again would conflict instead of replaying)."""
    touchpoints = dict(
        Touchpoint.objects.filter(
            stage__journey__name=DEMO_JOURNEY, key__in=EVENT_PREFIXES, archived_at__isnull=True
        ).values_list("key", "pk")
    )
    zone = organization.zone
    timeline = sorted(
        (moment_of(row, today, zone), number, row)
        for number, row in enumerate(INTERACTIONS)
        if row[0] in touchpoints
    )
    events = [
        demo_event(number, row, touchpoints[row[0]], moment) for moment, number, row in timeline
    ]
    rejected = [result.errors for result in ingest(events) if result.status == "rejected"]
    if rejected:
        raise ValueError(f"demo interactions rejected: {rejected[:3]}")
    # A conflict is a later day's run: the demo keeps the story its first run told.


def moment_of(row, today, zone) -> datetime:
    _key, days_ago, clock, _customer = row
    return datetime.combine(today - timedelta(days=days_ago), time.fromisoformat(clock), zone)


def demo_event(number, row, touchpoint_id, moment) -> dict:
    key, _days_ago, _clock, customer = row
    return {
        "external_id": f"{EVENT_PREFIXES[key]}-{48100 + number}",
        "touchpoint": touchpoint_id,
        "occurred_at": moment.isoformat(),
        "contact": {"external_id": f"CUST-{10000 + customer}"},
        "attributes": demo_attributes(key, customer),
    }


def demo_attributes(key, customer) -> dict:
    if key == "parcel-received":
        return {"carrier": CARRIERS[customer % 3], "order_value": 25 + customer % 9 * 15}
    if key == "support-call":
        return {"agent": AGENTS[customer % 2], "reason": CALL_REASONS[customer % 4]}
    return {"reason": RETURN_REASONS[customer % 3], "order_value": 40 + customer % 7 * 20}
