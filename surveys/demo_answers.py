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

``demo_history`` draws it all in memory; rows go in bulk (``vocapp.bulk.insert_rows``): about
4,000 interactions, 6,500 invitations, 2,700 responses and 4,300 answers take about a second on
SQLite. Then the organization's rollups are rebuilt.

Idempotent: the interactions' external ids start with ``HISTORY_PREFIX``; when one exists (or an
open response older than the history's first week), nothing is added. Deterministic: every draw
comes from the seeder's ``rng``; the dates are relative to ``today``.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from journeys.demo import DEMO_JOURNEY
from journeys.models import Touchpoint
from vocapp.bulk import insert_rows
from vocapp.contacts.models import Contact

from .demo import INTERACTIONS
from .demo_history import (
    ENGLISH_SHARE,
    HISTORY_DAYS,
    OPEN_CHANNELS,
    OPEN_SURVEYS,
    RESOLVED,
    VERBATIM_RATES,
    VOLUMES,
    Event,
    History,
    Questionnaire,
)
from .models import (
    DEFAULT_SCALES,
    RESPONSE_ROW_COLUMNS,
    Answer,
    Interaction,
    Invitation,
    ListeningRule,
    Response,
    Survey,
    invitation_priority,
)
from .rollups import rebuild_rollups

HISTORY_PREFIX = "demo-history-"


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
    response_ids = insert_rows(Response, RESPONSE_ROW_COLUMNS, responses)
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
