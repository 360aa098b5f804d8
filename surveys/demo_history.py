"""The demo's six months, simulated in memory: who was delivered, called or sent a parcel back,
which invitations went out and came back, with which score and which words.

The story it tells (volumes, score shapes, the carrier's dip, response rates) is set by the
constants below; ``demo_answers`` stores what ``History`` draws. Every draw comes from its ``rng``.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from .demo import AGENTS, CALL_REASONS, CARRIERS, RETURN_REASONS
from .demo_verbatims import CLOSINGS, VERBATIMS
from .models import DEFAULT_SCALES
from .scheduling import is_holiday

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
        self.zone = organization.zone
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
