"""Six months of answers for the demo, so that its dashboards tell a story on the first `make run`.

The demo customers (``vocapp.contacts.demo``) were delivered, called the hotline and sent parcels
back; each of those interactions was surveyed by the demo's listening rules (``surveys.demo``) by
SMS or email, and about a third answered. Shoppers also answered the post-purchase survey through
the link on the order confirmation page, and the QR code on the leaflet in the box when they first
used what they bought. What the dashboards should show:

* parcel delivery disappoints (NPS around −35: late parcels, crushed boxes, closed relay points,
  worst with Mondial Relay), and so does the after-sales call (CSAT under 40 %: waiting,
  transfers, slow refunds, though the agents are kind); checkout enchants (NPS +40 to +50,
  improving since a redesign); returns and first use are in between (neutral);
* a dip four to eight weeks ago, worst six weeks ago (a carrier's warehouse backlog: late
  parcels and twice as many calls), recovered since;
* weekday and hour patterns: no deliveries on Sundays and holidays, calls in office hours, SMS
  answered within minutes, emails hours later;
* response rates of about 40 % by SMS and 20 % by email; recent invitations still waiting for an
  answer (sent, delivered), older unanswered ones expired, a reminder where the rule sends one;
* French and English verbatims saying why, in each customer's language.

Rows go in bulk (``vocapp.bulk.insert_rows``): about 4,000 interactions, 6,500 invitations, 2,700
responses and 4,300 answers take about a second on SQLite. Then the organization's rollups are
rebuilt.

Idempotent: the interactions' external ids start with ``HISTORY_PREFIX``; when one exists (or an
open response older than the history's first week), nothing is added. Deterministic: every draw
comes from the seeder's ``rng``; the dates are relative to ``today``.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from journeys.demo import DEMO_JOURNEY
from journeys.models import Touchpoint
from vocapp.bulk import insert_rows
from vocapp.contacts.models import Contact

from .demo import AGENTS, CALL_REASONS, CARRIERS, INTERACTIONS, RETURN_REASONS
from .demo_verbatims import CLOSINGS, VERBATIMS
from .models import (
    DEFAULT_SCALES,
    Answer,
    Interaction,
    Invitation,
    ListeningRule,
    Response,
    Survey,
    invitation_priority,
)
from .rollups import rebuild_rollups
from .scheduling import is_holiday

HISTORY_PREFIX = "demo-history-"
HISTORY_DAYS = 182  # six months
SCRIPTED_DAYS = 30  # the scripted interactions' customers are left alone this long (fatigue)

# --------------------------------------------------------------------------------------------
# The story: volumes, hours, scores
# --------------------------------------------------------------------------------------------

# Mean interactions (or open responses) per local weekday, Monday first.
VOLUMES = {
    "parcel-received": (18, 15, 15, 15, 17, 11, 0.8),
    "support-call": (9, 6, 6, 5.5, 6, 2.5, 0),
    "return-request": (7, 6.5, 6.5, 6.5, 6.5, 5, 3),
    "purchase": (4, 3.5, 3.5, 3.5, 4, 4.5, 6),
    "first-use": (1.6, 1.3, 1.3, 1.3, 1.7, 3.1, 3.4),
}
# Relative weights of the local hour (0–23) each happens at.
HOURS = {
    "parcel-received": (0,) * 8 + (1, 3, 5, 6, 8, 7, 6, 7, 8, 8, 7, 5) + (0,) * 4,
    "support-call": (0,) * 9 + (6, 8, 7, 5, 4, 6, 7, 6, 4, 0, 0, 0, 0, 0, 0),
    "return-request": (0,) * 7 + (1, 2, 3, 3, 3, 4, 3, 3, 3, 3, 4, 5, 6, 5, 3, 1),
    "purchase": (0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 3, 6, 6, 3, 2, 2, 3, 4, 6, 8, 9, 7, 3),
    "first-use": (0,) * 8 + (1, 2, 2, 2, 3, 2, 2, 2, 3, 4, 6, 7, 7, 5, 3, 1),
}
OPEN_CHANNELS = {"purchase": "link", "first-use": "qr"}  # open surveys: no invitation
OPEN_SURVEYS = {"purchase": "post_purchase_nps", "first-use": "post_purchase_nps"}
CARRIER_SHARES = (0.45, 0.25, 0.30)  # Colissimo, Chronopost, Mondial Relay (as CARRIERS)
DIP_PEAK_DAYS_AGO = 42  # the carrier's backlog, at its worst six weeks ago
DIP_HALF_WIDTH = 12  # days either side of the peak

# Score distributions (weights of each point of the scale), mixed per answer: a good, a middling
# and a bad experience. The touchpoints differ in how often each happens.
NPS_SHAPES = {
    "good": (0, 0, 0, 0, 0, 1, 2, 6, 16, 30, 45),
    "mid": (1, 1, 2, 3, 6, 12, 18, 25, 18, 9, 5),
    "bad": (14, 9, 12, 12, 12, 13, 11, 8, 5, 3, 1),
}
CSAT_SHAPES = {"good": (0, 0, 4, 36, 60), "mid": (6, 16, 42, 28, 8), "bad": (42, 30, 16, 8, 4)}
CES_SHAPES = {
    "good": (0, 0, 2, 6, 17, 35, 40),
    "mid": (3, 8, 16, 30, 24, 12, 7),
    "bad": (24, 26, 20, 14, 9, 5, 2),
}
SHAPES = {"nps": NPS_SHAPES, "csat": CSAT_SHAPES, "ces": CES_SHAPES}
# (share of good, share of bad) before effects; the rest is middling.
EXPERIENCE = {
    "parcel-received": (0.21, 0.57),
    "support-call": (0.26, 0.50),
    "return-request": (0.55, 0.14),
    "purchase": (0.70, 0.06),  # improves to 0.82 good by today (the new checkout)
    "first-use": (0.50, 0.15),
}
# Who answers: the first invitation by channel, and a reminder.
ANSWER_RATES = {"sms": 0.36, "email": 0.21, "reminder": 0.14}
ENGLISH_SHARE = 0.22  # of anonymous open responses
VERBATIM_RATES = {"bad": 0.6, "mid": 0.35, "good": 0.4}  # who writes a few words when asked


RESOLVED = {"good": (0.85, 0.12, 0.03), "mid": (0.35, 0.45, 0.2), "bad": (0.08, 0.32, 0.6)}


# --------------------------------------------------------------------------------------------
# The rows, in memory first
# --------------------------------------------------------------------------------------------


@dataclass
class Questionnaire:
    """The current version of a library survey: its main question and its follow-ups."""

    version_id: int
    main: object  # Question
    follow_ups: list  # text questions with their score range
    resolved: object | None  # CSAT's "was it resolved" single choice


@dataclass
class Event:
    touchpoint: str
    moment: datetime
    contact: dict | None
    attributes: dict
    tone: str
    score: int
    # Filled while planning
    invitations: list = field(default_factory=list)  # [Sent]
    answered_at: datetime | None = None
    answered_by: int | None = None  # index in invitations


@dataclass
class Sent:
    channel: str
    kind: str
    sent_at: datetime
    expires_at: datetime
    state: str = "sent"
    changed_at: datetime | None = None


class History:
    def __init__(self, organization, rng, today, now):
        self.organization = organization
        self.rng = rng
        self.today = today
        self.now = now
        self.zone = ZoneInfo(organization.time_zone or "UTC")
        self.country = getattr(organization.country, "code", organization.country) or ""

    # --- draws ---------------------------------------------------------------------------------

    def poisson(self, mean: float) -> int:
        if mean <= 0:
            return 0
        limit, product, count = math.exp(-mean), self.rng.random(), 0
        while product > limit:
            product *= self.rng.random()
            count += 1
        return count

    def pick(self, weights) -> int:
        return self.rng.choices(range(len(weights)), weights=weights)[0]

    def moment(self, day, key) -> datetime:
        hour = self.pick(HOURS[key])
        clock = time(hour, self.rng.randrange(60), self.rng.randrange(60))
        return datetime.combine(day, clock, self.zone)

    # --- the story -----------------------------------------------------------------------------

    def dip(self, day) -> float:
        """0 to 1: how bad the carrier's backlog was that day (a triangle six weeks ago)."""
        distance = abs((self.today - day).days - DIP_PEAK_DAYS_AGO)
        return max(0.0, 1 - distance / DIP_HALF_WIDTH)

    def experience(self, key, day, attributes) -> str:
        good, bad = EXPERIENCE[key]
        dip = self.dip(day)
        if key == "parcel-received":
            carrier = attributes["carrier"]
            shift = {"Chronopost": -0.14, "Mondial Relay": 0.12}.get(carrier, 0.0)
            bad, good = bad + shift + 0.4 * dip, good - shift / 2 - 0.16 * dip
        elif key == "support-call":
            shift = {"refund": 0.15, "invoice": -0.18, "late delivery": 0.05}.get(
                attributes["reason"], 0.0
            )
            bad, good = bad + shift + 0.4 * dip, good - shift / 2 - 0.15 * dip
        elif key == "return-request":
            shift = {"damaged item": 0.1, "changed my mind": -0.08}.get(attributes["reason"], 0)
            bad, good = bad + shift, good - shift / 2
        elif key == "purchase":
            progress = 1 - (self.today - day).days / HISTORY_DAYS
            good, bad = good + 0.12 * progress, bad - 0.03 * progress
        roll = self.rng.random()
        if roll < good:
            return "good"
        return "bad" if roll > 1 - bad else "mid"

    def volume(self, key, day) -> float:
        mean = VOLUMES[key][day.weekday()]
        if key in ("parcel-received", "support-call") and is_holiday(self.country, day):
            return mean * 0.1
        if key == "support-call":
            mean *= 1 + 1.1 * self.dip(day)  # everyone calls about their late parcel
        return mean

    def attributes(self, key) -> dict:
        rng = self.rng
        if key == "parcel-received":
            carrier = CARRIERS[self.pick(CARRIER_SHARES)]
            return {"carrier": carrier, "order_value": rng.choice(range(25, 160, 15))}
        if key == "support-call":
            return {"agent": rng.choice(AGENTS), "reason": rng.choice(CALL_REASONS)}
        if key == "return-request":
            return {
                "reason": rng.choice(RETURN_REASONS),
                "order_value": rng.choice(range(40, 180, 20)),
            }
        return {}

    def events(self, key, metric, contacts) -> list[Event]:
        events = []
        for days_ago in range(HISTORY_DAYS, -1, -1):
            day = self.today - timedelta(days=days_ago)
            volume = self.volume(key, day)
            for _ in range(self.poisson(volume)):
                moment = self.moment(day, key)
                if moment >= self.now:
                    continue
                attributes = self.attributes(key)
                tone = self.experience(key, day, attributes)
                score = self.pick(SHAPES[metric][tone]) + DEFAULT_SCALES[metric][0]
                contact = None
                if contacts is not None:
                    pool = contacts["recent"] if days_ago < SCRIPTED_DAYS else contacts["all"]
                    if not pool:
                        continue
                    contact = self.rng.choice(pool)
                events.append(Event(key, moment, contact, attributes, tone, score))
        return events

    # --- invitations ---------------------------------------------------------------------------

    def in_sms_window(self, moment) -> bool:
        local = moment.astimezone(self.zone)
        return (
            local.weekday() < 6
            and time(8) <= local.time() < time(20)
            and not is_holiday(self.country, local.date())
        )

    def next_sms_opening(self, moment) -> datetime:
        local = moment.astimezone(self.zone)
        for _ in range(10):
            if self.in_sms_window(local):
                return local
            opening = datetime.combine(local.date(), time(8), self.zone)
            local = opening if local < opening else opening + timedelta(days=1)
        return local

    def plan(self, event: Event, rule) -> None:
        """Which channel surveyed the event and when, who answered, what became of the rest."""
        contact = event.contact
        usable = [
            channel
            for channel in rule.channels
            if (channel == "sms" and contact["sms"]) or (channel == "email" and contact["email"])
        ]
        if not usable:
            return
        kind = rule.timing
        intended = event.moment + timedelta(minutes=rule.delay_minutes)
        channel = usable[0]
        sent_at = intended + timedelta(seconds=self.rng.randint(20, 180))
        if channel == "sms" and not self.in_sms_window(sent_at):
            opening = self.next_sms_opening(sent_at)
            if opening - intended > timedelta(minutes=rule.max_delay_minutes):
                if len(usable) == 1:
                    return
                channel = usable[1]
            else:
                sent_at = opening + timedelta(seconds=self.rng.randint(5, 600))
        if sent_at >= self.now:
            return
        expires_at = sent_at + timedelta(days=rule.expiry_days)
        event.invitations.append(Sent(channel, kind, sent_at, expires_at))
        if self.rng.random() < ANSWER_RATES[channel]:
            event.answered_at = sent_at + self.answer_delay(channel)
            event.answered_by = 0
        reminder_at = None
        if rule.reminder_after_days:
            reminder_at = sent_at + timedelta(days=rule.reminder_after_days)
            if event.answered_at is None or event.answered_at > reminder_at:
                others = usable[usable.index(channel) + 1 :] + usable[: usable.index(channel) + 1]
                again = others[0]
                if again == "sms" and not self.in_sms_window(reminder_at):
                    reminder_at = self.next_sms_opening(reminder_at) + timedelta(minutes=3)
                if reminder_at < min(self.now, expires_at - timedelta(hours=1)):
                    event.invitations.append(Sent(again, "reminder", reminder_at, expires_at))
                    if event.answered_at is None and self.rng.random() < ANSWER_RATES["reminder"]:
                        event.answered_at = reminder_at + self.answer_delay(again)
                        event.answered_by = 1
        if event.answered_at is not None and event.answered_at >= min(self.now, expires_at):
            event.answered_at = event.answered_by = None  # too late: the link had closed
        self.settle(event)

    def answer_delay(self, channel) -> timedelta:
        if channel == "sms" and self.rng.random() < 0.75:
            return timedelta(seconds=60 + self.rng.expovariate(1 / 900))
        return timedelta(seconds=120 + self.rng.expovariate(1 / (5 * 3600)))

    def settle(self, event: Event) -> None:
        for index, sent in enumerate(event.invitations):
            # Answering through a reminder answers the first invitation too.
            if event.answered_at is not None and index in (0, event.answered_by):
                sent.state, sent.changed_at = "answered", event.answered_at
                continue
            if sent.expires_at <= self.now:
                sent.state, sent.changed_at = "expired", sent.expires_at
            elif self.rng.random() < 0.85:
                delay = timedelta(seconds=self.rng.randint(3, 40))
                sent.state, sent.changed_at = "delivered", sent.sent_at + delay
            else:
                sent.state, sent.changed_at = "sent", sent.sent_at

    # --- words ---------------------------------------------------------------------------------

    def verbatim(self, key, tone, locale, event: Event) -> str:
        texts = VERBATIMS[key][tone].get(locale) or VERBATIMS[key][tone].get("fr") or []
        if not texts:
            return ""
        tags = set(event.attributes.values())
        if self.dip(event.moment.astimezone(self.zone).date()) > 0.2:
            tags.add("late")
        tagged = [text for tag, text in texts if tag and tag in tags]
        untagged = [text for tag, text in texts if not tag]
        pool = tagged if tagged and (self.rng.random() < 0.6 or not untagged) else untagged
        if not pool:
            return ""
        text = self.rng.choice(pool).format(
            days=self.rng.randint(3, 9), agent=event.attributes.get("agent", "")
        )
        closings = CLOSINGS[tone].get(locale, ())
        if closings and self.rng.random() < 0.35:
            text = f"{text} {self.rng.choice(closings)}"
        return text


def seed_answers(organization, *, rng, today):
    """Six months of answered (and unanswered) surveys on the demo journey; then the rollups."""
    now = timezone.now()
    start = datetime.combine(today - timedelta(days=HISTORY_DAYS), time(), ZoneInfo("UTC"))
    if (
        Interaction.objects.filter(external_id__startswith=HISTORY_PREFIX).exists()
        or Response.objects.filter(
            invitation__isnull=True, started_at__lt=start + timedelta(days=7)
        ).exists()
    ):
        return
    touchpoints = dict(
        Touchpoint.objects.filter(
            stage__journey__name=DEMO_JOURNEY, key__in=VOLUMES, archived_at__isnull=True
        ).values_list("key", "pk")
    )
    surveys = library_surveys()
    rules = {
        rule.touchpoint.key: rule
        for rule in ListeningRule.objects.filter(
            touchpoint_id__in=touchpoints.values(), active=True, archived_at__isnull=True
        )
        .select_related("touchpoint", "survey")
        .order_by("pk")
    }
    history = History(organization, rng, today, now)
    contacts = demo_contacts()
    events = []
    for key, touchpoint_id in touchpoints.items():
        if key in rules and contacts["all"]:
            rule = rules[key]
            survey = surveys.get(rule.survey.library_key)
            if survey is None:
                continue
            reachable = {
                name: [c for c in pool if any(c[channel] for channel in rule.channels)]
                for name, pool in contacts.items()
            }
            plan = history.events(key, survey.main.kind, reachable)
            for event in plan:
                history.plan(event, rule)
            events.extend((touchpoint_id, survey, rule, event) for event in plan)
        elif key in OPEN_CHANNELS and OPEN_SURVEYS[key] in surveys:
            survey = surveys[OPEN_SURVEYS[key]]
            plan = history.events(key, survey.main.kind, None)
            for event in plan:
                event.answered_at = event.moment
            events.extend((touchpoint_id, survey, None, event) for event in plan)
    if not events:
        return
    store(organization, history, events)
    rebuild_rollups(organization)


def library_surveys() -> dict[str, Questionnaire]:
    found = {}
    for survey in Survey.objects.exclude(library_key="").order_by("pk"):
        if survey.library_key in found:
            continue
        version = survey.current_version
        if version is None:
            continue
        questions = list(version.questions.all())
        main = next((q for q in questions if q.is_scored and q.show_if_score_min is None), None)
        if main is None:
            continue
        found[survey.library_key] = Questionnaire(
            version_id=version.pk,
            main=main,
            follow_ups=[
                q for q in questions if q.kind == "text" and q.show_if_score_min is not None
            ],
            resolved=next((q for q in questions if q.kind == "single"), None),
        )
    return found


def demo_contacts() -> dict:
    """The demo customers who can be surveyed, with their usable channels."""
    scripted = {f"CUST-{10000 + row[3]}" for row in INTERACTIONS}
    everyone = [
        {
            "id": pk,
            "locale": locale or "fr",
            "sms": bool(phone) and sms_consent is not None and sms_out is None,
            "email": bool(email) and email_out is None,
            "external_id": external_id,
        }
        for pk, external_id, locale, phone, email, sms_consent, sms_out, email_out in (
            Contact.objects.filter(external_id__startswith="CUST-", erased_at__isnull=True)
            .order_by("pk")
            .values_list(
                "pk",
                "external_id",
                "locale",
                "phone",
                "email",
                "sms_consent_at",
                "sms_opted_out_at",
                "email_opted_out_at",
            )
        )
    ]
    everyone = [c for c in everyone if c["sms"] or c["email"]]
    recent = [c for c in everyone if c["external_id"] not in scripted] or everyone
    return {"all": everyone, "recent": recent}


# --------------------------------------------------------------------------------------------
# Storing
# --------------------------------------------------------------------------------------------

INTERACTION_FIELDS = [
    "organization_id",
    "touchpoint_id",
    "contact_id",
    "external_id",
    "occurred_at",
    "attributes",
    "received_at",
]
INVITATION_FIELDS = [
    "organization_id",
    "contact_id",
    "interaction_id",
    "rule_id",
    "touchpoint_id",
    "survey_version_id",
    "kind",
    "channel",
    "state",
    "priority",
    "send_at",
    "expires_at",
    "follows_id",
    "created_at",
    "sent_at",
    "state_changed_at",
]
RESPONSE_FIELDS = [
    "organization_id",
    "survey_version_id",
    "touchpoint_id",
    "contact_id",
    "invitation_id",
    "channel",
    "locale",
    "started_at",
    "completed_at",
]
ANSWER_FIELDS = [
    "organization_id",
    "response_id",
    "question_id",
    "score",
    "text",
    "choices",
    "created_at",
    "updated_at",
]
PREFIXES = {"parcel-received": "DLV", "support-call": "CALL", "return-request": "RMA"}


def store(organization, history: History, events) -> None:
    org = organization.pk
    events.sort(key=lambda row: row[3].moment)
    invited = [row for row in events if row[3].invitations]
    interaction_ids = insert_rows(
        Interaction,
        INTERACTION_FIELDS,
        [
            (
                org,
                touchpoint_id,
                event.contact["id"],
                f"{HISTORY_PREFIX}{PREFIXES.get(event.touchpoint, 'EVT')}-{number:05d}",
                event.moment,
                event.attributes,
                event.moment + timedelta(seconds=40),
            )
            for number, (touchpoint_id, _survey, _rule, event) in enumerate(invited)
        ],
    )
    firsts, reminders = [], []
    for interaction_id, (touchpoint_id, survey, rule, event) in zip(
        interaction_ids, invited, strict=True
    ):
        for index, sent in enumerate(event.invitations):
            row = [
                org,
                event.contact["id"],
                interaction_id,
                rule.pk,
                touchpoint_id,
                survey.version_id,
                sent.kind,
                sent.channel,
                sent.state,
                invitation_priority(sent.kind, rule.priority),
                sent.sent_at - timedelta(seconds=2),
                sent.expires_at,
                None,
                event.moment + timedelta(seconds=41) if index == 0 else sent.sent_at,
                sent.sent_at,
                sent.changed_at,
            ]
            (firsts if index == 0 else reminders).append((event, row))
    first_ids = insert_rows(Invitation, INVITATION_FIELDS, [row for _event, row in firsts])
    first_of = {}
    for invitation_id, (event, _row) in zip(first_ids, firsts, strict=True):
        first_of[id(event)] = invitation_id
    for event, row in reminders:
        row[12] = first_of[id(event)]
    insert_rows(Invitation, INVITATION_FIELDS, [row for _event, row in reminders])

    answered = [row for row in events if row[3].answered_at is not None]
    responses, answers = [], []
    for touchpoint_id, survey, _rule, event in answered:
        if event.contact is not None:
            locale = event.contact["locale"]
            channel = event.invitations[event.answered_by].channel
            invitation_id = first_of[id(event)]
            contact_id = event.contact["id"]
        else:
            locale = "en" if history.rng.random() < ENGLISH_SHARE else "fr"
            channel = OPEN_CHANNELS[event.touchpoint]
            invitation_id = contact_id = None
        rows = answer_rows(history, survey, event, locale)
        completed_at = rows[-1][4] + timedelta(seconds=history.rng.randint(2, 20))
        responses.append(
            (
                org,
                survey.version_id,
                touchpoint_id,
                contact_id,
                invitation_id,
                channel,
                locale,
                event.answered_at,
                completed_at,
            )
        )
        answers.append(rows)
    response_ids = insert_rows(Response, RESPONSE_FIELDS, responses)
    insert_rows(
        Answer,
        ANSWER_FIELDS,
        [
            (org, response_id, *row, row[-1])
            for response_id, rows in zip(response_ids, answers, strict=True)
            for row in rows
        ],
    )


def answer_rows(history: History, survey: Questionnaire, event: Event, locale: str) -> list[tuple]:
    """(question, score, text, choices, created_at) of one response's answers."""
    rng = history.rng
    moment = event.answered_at
    rows = [(survey.main.pk, event.score, "", [], moment)]
    if survey.resolved is not None and rng.random() < 0.9:
        moment += timedelta(seconds=rng.randint(4, 30))
        keys = [choice["key"] for choice in survey.resolved.choices]
        picked = rng.choices(keys, weights=RESOLVED[event.tone][: len(keys)])[0]
        rows.append((survey.resolved.pk, None, "", [picked], moment))
    follow_up = next(
        (
            q
            for q in survey.follow_ups
            if q.show_if_score_min <= event.score <= (q.show_if_score_max or event.score)
        ),
        None,
    )
    tone = tone_of(survey.main, event.score)
    if follow_up is not None and rng.random() < VERBATIM_RATES[tone]:
        text = history.verbatim(event.touchpoint, tone, locale, event)
        if text:
            moment += timedelta(seconds=rng.randint(15, 120))
            rows.append((follow_up.pk, None, text, [], moment))
    return rows


def tone_of(question, score: int) -> str:
    """The verbatims that fit a score: bad for detractors / the bottom of the scale, good for
    promoters / its top (as the library's follow-up questions split it), mid between."""
    low, high = DEFAULT_SCALES[question.kind]
    low = question.scale_min if question.scale_min is not None else low
    high = question.scale_max if question.scale_max is not None else high
    if question.kind == "nps":
        bad, good = low + 0.6 * (high - low), low + 0.9 * (high - low)
    elif question.kind == "csat":
        bad, good = (low + high) / 2, high - 1
    else:  # ces: the bottom three points hard, the top three easy
        bad, good = low + 2, high - 2
    if score <= bad:
        return "bad"
    return "good" if score >= good else "mid"
