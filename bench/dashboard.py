"""Time the dashboards on N answers, from the rollups, next to the raw SQL aggregate they replace.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vocapp_bench_dashboard \\
        .venv/bin/python bench/dashboard.py                     # 1,000,000 answers
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vocapp_bench_dashboard \\
        .venv/bin/python bench/dashboard.py --n 10000000        # the 10 M target
    DATABASE_URL=… .venv/bin/python bench/dashboard.py --n 100000 --repeat 10
    DATABASE_URL=… .venv/bin/python bench/dashboard.py --fresh  # drop the bench database first
    DATABASE_URL=… .venv/bin/python bench/dashboard.py --n 10000000 --raw-repeat 0 --no-live
    .venv/bin/python bench/dashboard.py --database sqlite --n 20000   # a quick look, embedded

The database (PostgreSQL, created when missing) gets one organization per N, ``bench-<N>``, filled
once and reused by the next runs with the same N (``--fresh`` drops and recreates the database):
the e-commerce journey, the library's NPS, CSAT and CES surveys, 50,000 contacts with a city and a
loyalty tier, a segment ("Paris customers") and N scored answers spread over the last 365 days,
every touchpoint and the four channels. 40 % of the responses answer an invitation (SMS or email,
one interaction each, with a carrier or an agent as attributes), among as many invitations again
left unanswered (sent, delivered, expired; no interaction): a response rate of 50 %. Rows go by
COPY (``vocapp.bulk.insert_rows``), 200,000 responses per transaction; as a superuser, with the
foreign key triggers off (``session_replication_role = replica``: they cost more than the COPY,
and the rows are made consistent). About 6,000 answers/s on a shared 2-core machine: 1 M in
3 minutes, 10 M in half an hour. Then the rollups are rebuilt (timed).

Each measure runs once to warm up, then ``--repeat`` times (the raw aggregates, which take seconds
at 1 M, ``--raw-repeat`` times); p50 and p95 are printed:

* the Overview page (``surveys:overview``, last 30 days and last 12 months), the journey map with
  scores (``surveys:journey_scores``) through Django's test client signed in as an agent, and
  ``GET /api/v1/metrics/`` (an API key with the ``read`` scope), each next to the raw aggregate
  it replaces: the same figures grouped straight from the answers table (and the invitations for
  the response rate), in the organization's time zone;
* the query layer itself (``surveys.metrics``): ``measure`` from the rollups next to the same
  call with ``source="raw"``, and ``touchpoint_levels``;
* what is "computed live", which the rollups cannot serve: the API with a segment, with an
  interaction attribute, and grouped by an attribute (``attr:carrier``), next to the same raw
  aggregate.

At the end, the API's n over 12 months is checked against a count of the answers table.

Targets: p95 under 300 ms for what the rollups serve (at 10 M answers), under 2 s for what is
computed live (at 1 M): each line says OK or MISSED. Pages or an API not there yet are reported
as such; the raw aggregates are timed anyway.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from databases import create_database_if_missing, drop_database

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vocapp_bench_dashboard"
ROLLUP_TARGET = 0.300  # s, p95, at 10 M answers
LIVE_TARGET = 2.0  # s, p95, at 1 M answers
BATCH = 200_000
CONTACTS = 50_000
DAYS = 365
INVITED_SHARE = 0.4  # of the responses, answering an invitation
RESPONSE_RATE = 0.4
ZONE = "Europe/Paris"
# touchpoint key -> (library survey, weight, open channel when not invited, mean level 0–1)
TOUCHPOINTS = {
    "ad-seen": ("post_purchase_nps", 1, "link", 0.70),
    "website-visit": ("post_purchase_nps", 3, "link", 0.74),
    "product-page": ("post_purchase_nps", 3, "link", 0.78),
    "purchase": ("post_purchase_nps", 8, "link", 0.85),
    "order-confirmation": ("post_purchase_nps", 3, "link", 0.82),
    "shipping-notice": ("post_purchase_nps", 3, "link", 0.72),
    "parcel-received": ("post_purchase_nps", 12, "qr", 0.56),
    "first-use": ("post_purchase_nps", 5, "qr", 0.75),
    "support-call": ("post_contact_csat", 8, "link", 0.52),
    "return-request": ("post_support_ces", 4, "link", 0.63),
}
CARRIERS = ("Colissimo", "Chronopost", "Mondial Relay")
CITIES = ("Paris", "Lyon", "Lille", "Bordeaux", "Nantes", "Marseille", "Toulouse")


# --------------------------------------------------------------------------------------------
# Setting up
# --------------------------------------------------------------------------------------------


def configure(args, data_dir: str) -> None:
    """The dev settings on PostgreSQL (DATABASE_URL, the bench's database by default) or SQLite."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "vocapp.settings.dev"
    os.environ["DEBUG"] = "false"  # DEBUG would keep every query in memory
    os.environ["VOC_DATA_DIR"] = data_dir
    os.environ.pop("REDIS_URL", None)  # the embedded database cache, as `make run`
    Path(data_dir, "static").mkdir(exist_ok=True)  # STATIC_ROOT, which whitenoise looks for
    if args.database == "postgresql":
        url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
        if not url.startswith("postgres"):
            raise SystemExit("--database postgresql needs DATABASE_URL=postgres://…")
        if args.fresh:
            drop_database(url)
        create_database_if_missing(url)
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


class World:
    """What the bench needs of its organization: ids, a member, an API key, a segment."""

    def __init__(self, organization, user, full_key, journey, segment, touchpoints, surveys):
        self.organization = organization
        self.user = user
        self.full_key = full_key
        self.journey = journey
        self.segment = segment
        self.touchpoints = touchpoints  # key -> id
        self.surveys = surveys  # library key -> (version id, main question id, kind, min, max)


def organization_for(n: int):
    """The bench's organization for N answers: (organization, complete?) or (None, False)."""
    from vocapp.tenancy.models import Organization

    organization = Organization.objects.filter(slug=f"bench-{n}").first()
    if organization is None:
        return None, False
    return organization, not organization.name.endswith("(filling)")


def create_world(n: int) -> World:
    """A new organization with its journey, surveys, contacts, segment, member and API key."""
    from journeys.services import create_journey_from_template
    from surveys.library import create_from_library
    from vocapp.bulk import insert_rows
    from vocapp.contacts.models import AttributeDefinition, AttributeKind, Contact, Segment
    from vocapp.tenancy.models import Membership, Organization, User
    from vocapp.tenancy.roles import Role
    from vocapp.tenancy.scope import organization_scope

    organization = Organization.objects.create(
        name=f"Dashboard bench {n:,} answers (filling)",
        slug=f"bench-{n}",
        time_zone=ZONE,
        country="FR",
    )
    email = f"agent-{n}@bench.example.com"
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email, "bench", full_name="Bench agent"
    )
    Membership.objects.create(organization=organization, user=user, role=Role.AGENT)
    with organization_scope(organization):
        create_journey_from_template(organization, "ecommerce", None, name="Online order")
        for key in {survey for survey, *_ in TOUCHPOINTS.values()}:
            create_from_library(None, organization, key)
        for name, label in (("city", "City"), ("loyalty_tier", "Loyalty tier")):
            AttributeDefinition.objects.create(name=name, label=label, kind=AttributeKind.TEXT)
        Segment.objects.create(
            name="Paris customers",
            conditions=[{"attribute": "city", "op": "eq", "value": "Paris"}],
        )
        now = datetime.now(UTC)
        insert_rows(
            Contact,
            ["organization_id", "external_id", "email", "locale", "attributes", "email_consent_at"],
            [
                (
                    organization.pk,
                    f"BENCH-{index}",
                    f"customer{index}@example.com",
                    "fr" if index % 5 else "en",
                    {
                        "city": CITIES[index % 7],
                        "loyalty_tier": ("standard", "gold")[index % 4 == 0],
                    },
                    now,
                )
                for index in range(CONTACTS)
            ],
        )
    return world_of(organization)


def world_of(organization) -> World:
    from journeys.models import Journey, Touchpoint
    from surveys.models import DEFAULT_SCALES, Survey
    from vocapp.contacts.models import Segment
    from vocapp.tenancy.models import Membership
    from vocapp.tenancy.scope import organization_scope
    from vocapp.tenancy.services import create_api_key

    with organization_scope(organization):
        journey = Journey.objects.get(name="Online order")
        touchpoints = dict(
            Touchpoint.objects.filter(stage__journey=journey).values_list("key", "pk")
        )
        surveys = {}
        for survey in Survey.objects.exclude(library_key=""):
            version = survey.current_version
            main = next(q for q in version.questions.all() if q.is_scored)
            low, high = DEFAULT_SCALES[main.kind]
            surveys[survey.library_key] = (
                version.pk,
                main.pk,
                main.kind,
                main.scale_min if main.scale_min is not None else low,
                main.scale_max if main.scale_max is not None else high,
            )
        segment = Segment.objects.get(name="Paris customers")
    user = Membership.objects.filter(organization=organization).select_related("user").first()
    _key, full_key = create_api_key(None, organization, name="bench", scopes=["read"])
    return World(organization, user.user, full_key, journey, segment, touchpoints, surveys)


# --------------------------------------------------------------------------------------------
# Filling
# --------------------------------------------------------------------------------------------


def fill(world: World, n: int, seed: int = 9) -> float:
    """N scored answers (one per response) by COPY; returns the seconds it took."""
    import random

    from django.db import connection, transaction

    from surveys.models import RESPONSE_ROW_COLUMNS, Answer, Interaction, Invitation, Response
    from vocapp.bulk import insert_rows
    from vocapp.contacts.models import Contact
    from vocapp.tenancy.scope import organization_scope

    rng = random.Random(seed)  # noqa: S311  (bench data)
    org = world.organization.pk
    zone = ZoneInfo(ZONE)
    today = datetime.now(zone).date()
    with organization_scope(world.organization):
        contacts = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    keys = [key for key in TOUCHPOINTS if key in world.touchpoints]
    weights = [TOUCHPOINTS[key][1] for key in keys]
    # Midnight of each day, as UTC instants (the local day is what the dashboards group by).
    midnights = [
        datetime.combine(today - timedelta(days=days_ago), clock(), zone).astimezone(UTC)
        for days_ago in range(DAYS, 0, -1)
    ]
    fast = may_skip_triggers()
    started = time.perf_counter()
    done = 0
    while done < n:
        size = min(BATCH, n - done)
        batch = [draw(rng, keys, weights, midnights, contacts) for _ in range(size)]
        invited = [row for row in batch if row["invited"]]
        with transaction.atomic():
            if fast:
                # Generated rows are consistent: skip the per-row foreign key triggers.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
            interaction_ids = insert_rows(
                Interaction,
                ["organization_id", "touchpoint_id", "contact_id", "occurred_at", "attributes"],
                [
                    (
                        org,
                        world.touchpoints[row["key"]],
                        row["contact"],
                        row["at"] - timedelta(minutes=30),
                        row["attributes"],
                    )
                    for row in invited
                ],
            )
            invitation_rows = []
            for interaction_id, row in zip(interaction_ids, invited, strict=True):
                version_id = world.surveys[TOUCHPOINTS[row["key"]][0]][0]
                sent_at = row["at"] - timedelta(minutes=20)
                invitation_rows.append(
                    invitation(org, row, world, version_id, interaction_id, sent_at, "answered")
                )
            # As many again left unanswered (no interaction: nothing reads it here).
            for row in invited:
                version_id = world.surveys[TOUCHPOINTS[row["key"]][0]][0]
                sent_at = row["at"] - timedelta(hours=rng.randint(1, 72))
                state = "expired" if sent_at < midnights[-8] else rng.choice(["sent", "delivered"])
                invitation_rows.append(
                    invitation(org, row, world, version_id, None, sent_at, state)
                )
            invitation_ids = insert_rows(Invitation, INVITATION_FIELDS, invitation_rows)
            answered = iter(invitation_ids[: len(invited)])
            response_ids = insert_rows(
                Response,
                RESPONSE_ROW_COLUMNS,
                [
                    (
                        org,
                        world.surveys[TOUCHPOINTS[row["key"]][0]][0],
                        world.touchpoints[row["key"]],
                        row["contact"] if row["invited"] else None,
                        next(answered) if row["invited"] else None,
                        row["channel"],
                        row["locale"],
                        row["at"],
                        row["at"] + timedelta(seconds=30),
                    )
                    for row in batch
                ],
            )
            rows = []
            for response_id, row in zip(response_ids, batch, strict=True):
                _version, question_id, kind, low, high = world.surveys[TOUCHPOINTS[row["key"]][0]]
                score = score_of(rng, TOUCHPOINTS[row["key"]][3], low, high)
                rows.append((org, response_id, question_id, score, row["at"], row["at"]))
            insert_rows(
                Answer,
                [
                    "organization_id",
                    "response_id",
                    "question_id",
                    "score",
                    "created_at",
                    "updated_at",
                ],
                rows,
            )
        done += size
        print(
            f"  filled {done:,} / {n:,} answers ({time.perf_counter() - started:.0f} s)", flush=True
        )
    return time.perf_counter() - started


def may_skip_triggers() -> bool:
    """On PostgreSQL as a superuser, the fill skips foreign key checks (replica mode): they
    cost more than the COPY itself, and the bench's rows are made consistent."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


INVITATION_FIELDS = [
    "organization_id",
    "contact_id",
    "interaction_id",
    "touchpoint_id",
    "survey_version_id",
    "kind",
    "channel",
    "state",
    "send_at",
    "expires_at",
    "created_at",
    "sent_at",
    "state_changed_at",
]


def invitation(org, row, world, version_id, interaction_id, sent_at, state) -> tuple:
    changed = row["at"] if state == "answered" else sent_at + timedelta(days=7)
    channel = row["channel"] if row["invited"] else "email"
    return (
        org,
        row["contact"],
        interaction_id,
        world.touchpoints[row["key"]],
        version_id,
        "hot",
        channel,
        state,
        sent_at,
        sent_at + timedelta(days=7),
        sent_at,
        sent_at,
        changed if state in ("answered", "expired") else sent_at,
    )


def draw(rng, keys, weights, midnights, contacts) -> dict:
    key = rng.choices(keys, weights)[0]
    at = midnights[rng.randrange(len(midnights))] + timedelta(seconds=rng.randrange(86_400))
    invited = rng.random() < INVITED_SHARE
    sms = rng.random() < 0.6
    channel = ("sms" if sms else "email") if invited else TOUCHPOINTS[key][2]
    attributes = {}
    if key == "parcel-received":
        attributes = {"carrier": CARRIERS[rng.randrange(3)]}
    elif key == "support-call":
        attributes = {"agent": ("Karim", "Sophie")[rng.randrange(2)]}
    return {
        "key": key,
        "at": at,
        "invited": invited,
        "channel": channel,
        "contact": contacts[rng.randrange(len(contacts))],
        "locale": "fr" if rng.random() < 0.8 else "en",
        "attributes": attributes,
    }


def score_of(rng, level: float, low: int, high: int) -> int:
    """A score around ``level`` (0–1 of the scale), spread as real answers are."""
    value = rng.gauss(level, 0.28)
    return max(low, min(high, round(low + value * (high - low))))


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def timed(function, repeat: int) -> tuple[float, float, object]:
    """(p50, p95) seconds over ``repeat`` calls after a warm-up; the last result."""
    result = function()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, max(0, round(0.95 * len(seconds)) - 1))]
    return statistics.median(seconds), p95, result


def local_bounds(since: date, until: date):
    zone = ZoneInfo(ZONE)
    start = datetime.combine(since, clock(), zone)
    end = datetime.combine(until + timedelta(days=1), clock(), zone)
    return start, end


def raw_scores(world: World, since: date, until: date, **filters):
    """What a headline replaces: answers of scored questions counted per metric, scale and score
    for the period and the previous one, straight from the answers table."""
    from django.db.models import Count

    from surveys.models import Answer

    length = (until - since).days + 1
    start, end = local_bounds(since - timedelta(days=length), until)
    middle, _ = local_bounds(since, until)
    answers = Answer.objects.unscoped().filter(
        organization=world.organization,
        question__kind__in=["nps", "csat", "ces"],
        created_at__gte=start,
        created_at__lt=end,
        **filters,
    )
    from django.db.models import Case, Value, When

    return list(
        answers.annotate(
            current=Case(When(created_at__gte=middle, then=Value(1)), default=Value(0))
        )
        .values("current", "question__kind", "question__scale_min", "question__scale_max", "score")
        .annotate(count=Count("id"))
    )


def period_answers(world: World, since: date, until: date, metric: str, **filters):
    """The organization's answers to the metric's questions over local days since..until."""
    from surveys.models import Answer

    start, end = local_bounds(since, until)
    return Answer.objects.unscoped().filter(
        organization=world.organization,
        question__kind=metric,
        created_at__gte=start,
        created_at__lt=end,
        **filters,
    )


def raw_by_attribute(world: World, since: date, until: date, name: str):
    """NPS by an interaction attribute, raw: answers per value and score (no value: its own)."""
    from django.db.models import Count
    from django.db.models.fields.json import KeyTextTransform

    attribute = KeyTextTransform(name, "response__invitation__interaction__attributes")
    return list(
        period_answers(world, since, until, "nps")
        .annotate(value=attribute)
        .values("value", "score")
        .annotate(count=Count("id"))
    )


def raw_weekly(world: World, since: date, until: date, metric: str, **filters):
    """A trend by ISO week, raw: answers per local week and score."""
    from django.db.models import Count
    from django.db.models.functions import TruncWeek

    return list(
        period_answers(world, since, until, metric, **filters)
        .annotate(week=TruncWeek("created_at", tzinfo=ZoneInfo(ZONE)))
        .values("week", "score")
        .annotate(count=Count("id"))
    )


def raw_per_touchpoint(world: World, since: date, until: date):
    """The journey map's levels, raw: answers per touchpoint, metric and score."""
    from django.db.models import Count

    from surveys.models import Answer

    start, end = local_bounds(since, until)
    return list(
        Answer.objects.unscoped()
        .filter(
            organization=world.organization,
            question__kind__in=["nps", "csat", "ces"],
            created_at__gte=start,
            created_at__lt=end,
            response__touchpoint__stage__journey=world.journey,
        )
        .values("response__touchpoint", "question__kind", "score")
        .annotate(count=Count("id"))
    )


def raw_response_rate(world: World, since: date, until: date):
    from django.db.models import Count

    from surveys.models import Invitation

    start, end = local_bounds(since, until)
    return list(
        Invitation.objects.unscoped()
        .filter(organization=world.organization, sent_at__gte=start, sent_at__lt=end)
        .values("state")
        .annotate(count=Count("id"))
    )


def raw_overview(world, since, until):
    return (
        raw_scores(world, since, until),
        raw_weekly(world, since, until, "nps"),
        raw_per_touchpoint(world, since, until),
        raw_response_rate(world, since, until),
    )


class Measures:
    def __init__(self, world: World, repeat: int, raw_repeat: int):
        from django.test import Client

        self.world = world
        self.repeat = repeat
        self.raw_repeat = raw_repeat
        self.page_client = Client(HTTP_HOST="localhost")
        self.page_client.force_login(world.user)
        self.api_client = Client(
            HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {world.full_key}"
        )
        self.lines = []
        self.verdicts = []

    def url(self, name, **kwargs):
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse(name, kwargs={"org_slug": self.world.organization.slug, **kwargs})
        except NoReverseMatch:
            return None

    def get(self, client, url):
        def call():
            answer = client.get(url)
            if answer.status_code != 200:
                raise SystemExit(
                    f"GET {url} answered {answer.status_code}: {answer.content[:300]!r}"
                )
            return answer

        return call

    def row(self, label, served, raw, target, *, note="", raw_label="raw SQL"):
        """One line: the served figure (or why not), the raw one, the verdict on the served."""
        if self.raw_repeat:
            raw_p50, raw_p95, _ = timed(raw, self.raw_repeat)
            raw_text = f"{raw_label} p50 {raw_p50 * 1000:7.0f} ms  p95 {raw_p95 * 1000:7.0f} ms"
        else:
            raw_text = f"{raw_label} not timed (--raw-repeat 0)"
        if served is None:
            print(f"{label:<47} {'(not there yet)':>38}   {raw_text}", flush=True)
            return
        p50, p95, _ = timed(served, self.repeat)
        verdict = "OK" if p95 < target else "MISSED"
        self.verdicts.append(verdict)
        print(
            f"{label:<47} p50 {p50 * 1000:7.0f} ms  p95 {p95 * 1000:7.0f} ms  "
            f"{verdict:<6} (< {target * 1000:.0f} ms)   {raw_text}{note}",
            flush=True,
        )


def measure_all(world: World, repeat: int, raw_repeat: int, live: bool = True) -> list[str]:
    today = datetime.now(ZoneInfo(ZONE)).date()
    month = (today - timedelta(days=29), today)
    year = (today - timedelta(days=364), today)
    m = Measures(world, repeat, raw_repeat)
    print(f"\n--- served from the rollups (target p95 < {ROLLUP_TARGET * 1000:.0f} ms at 10 M) ---")
    overview = m.url("surveys:overview")
    for label, period, query in (("30 days", month, ""), ("12 months", year, "?period=365")):
        m.row(
            f"Overview page, last {label}",
            overview and m.get(m.page_client, overview + query),
            lambda period=period: raw_overview(world, *period),
            ROLLUP_TARGET,
        )
    journey = m.url("surveys:journey_scores", pk=world.journey.pk)
    m.row(
        "Journey map with scores, last 30 days",
        journey and m.get(m.page_client, journey),
        lambda: (raw_per_touchpoint(world, *month), raw_response_rate(world, *month)),
        ROLLUP_TARGET,
    )
    api = metrics_api_available()
    since, until = year
    query = f"metric=nps&since={since}&until={until}&group_by=week"
    m.row(
        "GET /api/v1/metrics/ NPS by week, 12 months",
        api and m.get(m.api_client, f"/api/v1/metrics/?{query}"),
        lambda: (raw_scores(world, since, until), raw_weekly(world, since, until, "nps")),
        ROLLUP_TARGET,
    )
    layer = metrics_layer()
    if layer is not None:
        measure, filters_for, touchpoint_levels = layer
        yearly = filters_for(world, *year)
        m.row(
            "metrics.measure NPS by week, 12 months",
            lambda: measure(world.organization, "nps", yearly, "week", source="rollups"),
            lambda: measure(world.organization, "nps", yearly, "week", source="raw"),
            ROLLUP_TARGET,
            raw_label="same, source=raw",
        )
        monthly = filters_for(world, *month)
        m.row(
            "metrics.touchpoint_levels, 30 days",
            lambda: touchpoint_levels(world.organization, monthly.period, world.journey.pk),
            lambda: raw_per_touchpoint(world, *month),
            ROLLUP_TARGET,
        )
    if live:
        measure_live(m, world, query, year, api)
    check_same_figures(m, world, since, until, api)
    return m.verdicts


def measure_live(m, world, query, year, api) -> None:
    since, until = year
    print(f"\n--- computed live (target p95 < {LIVE_TARGET:.0f} s at 1 M) ---")
    segment_filter = {"response__contact__attributes__city": "Paris"}
    m.row(
        "GET /api/v1/metrics/ NPS, segment, 12 months",
        api and m.get(m.api_client, f"/api/v1/metrics/?{query}&segment={world.segment.pk}"),
        lambda: raw_scores(world, since, until, **segment_filter),
        LIVE_TARGET,
    )
    carrier = {"response__invitation__interaction__attributes__carrier": "Mondial Relay"}
    m.row(
        "GET /api/v1/metrics/ NPS, attr.carrier, 12 mo",
        api and m.get(m.api_client, f"/api/v1/metrics/?{query}&attr.carrier=Mondial%20Relay"),
        lambda: raw_scores(world, since, until, **carrier),
        LIVE_TARGET,
    )
    by_carrier = f"metric=nps&since={since}&until={until}&group_by=attr:carrier"
    m.row(
        "GET /api/v1/metrics/ NPS by attr:carrier, 12 mo",
        api and m.get(m.api_client, f"/api/v1/metrics/?{by_carrier}"),
        lambda: raw_by_attribute(world, since, until, "carrier"),
        LIVE_TARGET,
    )


def metrics_layer():
    """surveys.metrics' measure, a Filters maker and touchpoint_levels; None before it lands."""
    try:
        from surveys.metrics import Filters, Period, measure, touchpoint_levels
    except ImportError:
        return None

    def filters_for(world, since, until, **extra):
        return Filters(period=Period(since=since, until=until), journey=world.journey.pk, **extra)

    return measure, filters_for, touchpoint_levels


def metrics_api_available() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve("/api/v1/metrics/")
    except Resolver404:
        return False
    return True


def check_same_figures(m: Measures, world: World, since, until, api: bool) -> None:
    """The API's n over the period equals the raw count: the rollups say the same thing."""
    if not api:
        return
    answer = m.api_client.get(f"/api/v1/metrics/?metric=nps&since={since}&until={until}")
    served = answer.json()["overall"]["n"]
    raw = period_answers(world, since, until, "nps").count()
    state = "same" if served == raw else "DIFFERENT"
    print(f"NPS n over 12 months: API {served:,}, raw {raw:,} -> {state}")


# --------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="Answers (default 1,000,000).")
    parser.add_argument("--repeat", type=int, default=20, help="Timed calls per measure.")
    parser.add_argument(
        "--raw-repeat", type=int, default=5, help="Timed calls per raw aggregate (slow ones)."
    )
    parser.add_argument(
        "--database",
        choices=("postgresql", "sqlite"),
        default="postgresql",
        help="postgresql: DATABASE_URL (default the bench's database); sqlite: a temporary one.",
    )
    parser.add_argument(
        "--no-live",
        action="store_true",
        help="Skip the computed-live filters (their target is at 1 M; at 10 M they take minutes).",
    )
    parser.add_argument("--fresh", action="store_true", help="Drop the bench database first.")
    parser.add_argument(
        "--rebuild", action="store_true", help="Rebuild (and time) the rollups of reused data."
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vocbench-") as data_dir:
        configure(args, data_dir)
        from django.db import connection

        organization, complete = organization_for(args.n)
        if organization is not None and not complete:
            raise SystemExit(
                f"{organization.slug} was left half filled by an interrupted run: use --fresh."
            )
        if organization is None:
            print(f"Filling {args.n:,} answers…", flush=True)
            world = create_world(args.n)
            seconds = fill(world, args.n)
            print(f"filled in {seconds:.0f} s ({args.n / seconds:,.0f} answers/s)")
            analyze()
            world.organization.name = world.organization.name.replace(" (filling)", "")
            world.organization.save(update_fields=["name"])
            rebuild_seconds = rebuild(world.organization)
        else:
            print(f"Reusing {organization.slug} ({args.n:,} answers).")
            world = world_of(organization)
            built = has_rollups(organization)
            rebuild_seconds = rebuild(organization) if args.rebuild or not built else None
        database = f"{connection.vendor} {connection.settings_dict['NAME']}"
        print(
            f"answers: {args.n:,}  database: {database}  "
            f"repeat: {args.repeat} (raw aggregates: {args.raw_repeat})"
        )
        if rebuild_seconds is not None:
            print(f"rebuild_rollups: {rebuild_seconds:.1f} s")
        verdicts = measure_all(world, args.repeat, args.raw_repeat, live=not args.no_live)
    missed = verdicts.count("MISSED")
    print(f"\n{len(verdicts) - missed} OK, {missed} MISSED")
    return 1 if missed else 0


def analyze() -> None:
    """Planner statistics for the tables just filled, as autovacuum gathers them after a bulk
    load in production: without them PostgreSQL plans the raw queries for a handful of rows
    (nested loops over a million answers, several times slower). This server may run with
    autovacuum off."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def has_rollups(organization) -> bool:
    try:
        from surveys.models import AnswerRollup
    except ImportError:
        return False
    return AnswerRollup.objects.unscoped().filter(organization=organization).exists()


def rebuild(organization) -> float | None:
    try:
        from surveys.rollups import rebuild_rollups
    except ImportError:
        print("surveys.rollups is not there yet: no rollups built.")
        return None
    started = time.perf_counter()
    rebuild_rollups(organization)
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
