"""A seeded random shop for the metrics tests: eight weeks of answers and invitations in Paris,
across the change to summer time on 29 March 2026, a third of them around local midnight, on
several touchpoints, stages, channels, scales, contacts and interaction attributes; with the
facts the test knows about each scored answer (its local day computed in Python)."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from surveys.metrics import Period
from surveys.rollups import rebuild_rollups
from tests.surveys.metrics_fixtures import (
    PARIS,
    make_shop,
    write_interactions,
    write_invitations,
    write_responses,
)

SEED = 20260329
START, END = date(2026, 2, 23), date(2026, 4, 19)  # Monday to Sunday, eight weeks
WHOLE = Period(START, END)
PERIODS = [
    WHOLE,
    Period(date(2026, 3, 29), date(2026, 3, 29)),  # 23 hours long in Paris
    Period(date(2026, 3, 25), date(2026, 4, 2)),  # across the change and a month's end
    Period(date(2026, 3, 1), date(2026, 3, 31)),
]
EMPTY = Period(date(2025, 6, 2), date(2025, 6, 29))
STORES = ("Lyon", "Paris", "Nantes")
STATES = (
    "scheduled",
    "sending",
    "sent",
    "delivered",
    "answered",
    "failed",
    "uncertain",
    "expired",
    "suppressed",
)
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "ces5": (1, 5)}


@dataclass(frozen=True)
class Fact:
    """One scored answer, as the test knows it."""

    day: date  # local
    touchpoint: int | None
    stage: int | None
    channel: str
    metric: str
    scale: tuple[int, int]
    score: int
    french: bool
    store: str | None
    amount: str | None


def moment(rng) -> datetime:
    """A Paris moment in START..END, a third of them within 90 minutes of midnight."""
    day = START + timedelta(days=rng.randrange((END - START).days + 1))
    if rng.random() < 0.35:
        minutes = rng.choice([rng.randrange(0, 90), rng.randrange(22 * 60 + 30, 24 * 60)])
    elif rng.random() < 0.1:
        day, minutes = date(2026, 3, 29), rng.randrange(60, 4 * 60)  # around the change
    else:
        minutes = rng.randrange(24 * 60)
    return (datetime.combine(day, time()) + timedelta(minutes=minutes)).replace(tzinfo=PARIS)


def local_day(at: datetime) -> date:
    return at.astimezone(PARIS).date()


def make_invitations(shop, rng):
    """Random invitations, their interactions (with attributes) and what the test knows."""
    specs, interactions = [], []
    for _ in range(400):
        touchpoint = rng.choice([*shop.touchpoints[:5], None])
        contact = rng.choice(shop.contacts)
        state = rng.choice(STATES)
        sent = None if state in ("scheduled", "suppressed") else moment(rng)
        attributes = {}
        if touchpoint and rng.random() < 0.8:
            attributes = {"store": rng.choice(STORES), "amount": rng.choice([10, 42])}
        specs.append(
            {
                "touchpoint": touchpoint,
                "contact": contact,
                "channel": rng.choice(["sms", "email"]),
                "state": state,
                "sent_at": sent,
            }
        )
        interactions.append((touchpoint, contact, attributes))
    with_touchpoint = [i for i, row in enumerate(interactions) if row[0] is not None]
    ids = write_interactions(shop, [interactions[i] for i in with_touchpoint])
    for index, interaction in zip(with_touchpoint, ids, strict=True):
        specs[index]["interaction"] = interaction
    for index, invitation in enumerate(write_invitations(shop, specs)):
        specs[index]["id"] = invitation
        specs[index]["attributes"] = interactions[index][2]
    return specs


def make_responses(shop, rng, invitations):
    """Random responses (some to the invitations), their answers, and the facts they make."""
    answerable = [spec for spec in invitations if spec["state"] == "answered"]
    rng.shuffle(answerable)
    rows, facts = [], []
    stage_of = {tp.pk: tp.stage_id for tp in shop.touchpoints}
    for index in range(500):
        invitation = answerable[index] if index < len(answerable) else None
        touchpoint = (
            invitation["touchpoint"] if invitation else rng.choice([*shop.touchpoints[:5], None])
        )
        contact = invitation["contact"] if invitation else rng.choice([*shop.contacts, None])
        channel = (
            invitation["channel"] if invitation else rng.choice(["sms", "email", "link", "qr"])
        )
        at = moment(rng)
        answers = random_answers(rng)
        attributes = invitation["attributes"] if invitation else {}
        rows.append(
            {
                "at": at,
                "touchpoint": touchpoint,
                "contact": contact,
                "channel": channel,
                "invitation": invitation["id"] if invitation else None,
                "answers": answers,
            }
        )
        for key, score, _text in answers:
            if score is None:
                continue
            amount = attributes.get("amount")
            facts.append(
                Fact(
                    day=local_day(at),
                    touchpoint=touchpoint.pk if touchpoint else None,
                    stage=stage_of[touchpoint.pk] if touchpoint else None,
                    channel=channel,
                    metric="ces" if key == "ces5" else key,
                    scale=SCALES[key],
                    score=score,
                    french=contact is not None and contact.locale == "fr",
                    store=attributes.get("store"),
                    amount=None if amount is None else str(amount),
                )
            )
    write_responses(shop, rows)
    return facts


def random_answers(rng) -> list:
    if rng.random() < 0.2:
        answers = [("ces5", rng.randint(1, 5), "")]
        if rng.random() < 0.5:
            answers.append(("why", None, rng.choice(["Vite", "Slow", "Bof"])))
        return answers
    answers = [("nps", rng.randint(0, 10), "")]
    if rng.random() < 0.7:
        answers.append(("csat", rng.randint(1, 5), ""))
    if rng.random() < 0.6:
        answers.append(("ces", rng.randint(1, 7), ""))
    if rng.random() < 0.3:
        answers.append(("text", None, rng.choice(["Great", "Too slow", "Parfait"])))
    return answers


@dataclass
class Sample:
    shop: object
    facts: list
    invitations: list


def make_sample(organization, actor) -> Sample:
    rng = random.Random(SEED)
    shop = make_shop(organization, actor)
    invitations = make_invitations(shop, rng)
    facts = make_responses(shop, rng, invitations)
    rebuild_rollups(organization)
    return Sample(shop, facts, invitations)
