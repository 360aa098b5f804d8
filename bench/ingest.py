"""Post N interactions through POST /api/v1/interactions/bulk/ and compare with a raw INSERT.

    .venv/bin/python bench/ingest.py                          # 100,000 on embedded SQLite
    .venv/bin/python bench/ingest.py --n 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vocapp_bench \\
        .venv/bin/python bench/ingest.py --database postgresql --n 20000
    .venv/bin/python bench/ingest.py --n 20000 --profile 25   # where the endpoint's time goes

A throwaway organization gets a journey, a hot SMS-then-email listening rule on its
parcel-received touchpoint and an API key. The endpoint phase posts the interactions in requests
of 5,000 through Django's test client in this process (the real URL, authentication, rate limit
and ingestion, no network), each with a new contact who has a phone, an email and SMS consent, so
that every one schedules a hot invitation. The baseline, in the same run and database, inserts the
same interaction rows with bulk_create in batches of 5,000: the floor any ingestion pays. Target:
the endpoint takes under 4 times the baseline. Its contacts, interactions and invitations are
deleted at the end.
"""

import argparse
import cProfile
import json
import os
import pstats
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from databases import create_database_if_missing

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5_000
TARGET_RATIO = 4.0
URL = "/api/v1/interactions/bulk/"


def configure(args, data_dir: str) -> None:
    """The dev settings (the embedded default) on SQLite, or PostgreSQL from DATABASE_URL."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "vocapp.settings.dev"
    os.environ["DEBUG"] = "false"  # DEBUG would keep every query in memory
    os.environ["VOC_DATA_DIR"] = data_dir
    os.environ.pop("REDIS_URL", None)  # the embedded database cache, as `make run`
    Path(data_dir, "static").mkdir(exist_ok=True)  # STATIC_ROOT, which whitenoise looks for
    if args.database == "postgresql":
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise SystemExit("--database postgresql needs DATABASE_URL=postgres://…")
        create_database_if_missing(os.environ["DATABASE_URL"])
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def create_organization():
    """A fresh organization with a hot SMS-then-email rule on parcel-received, and an API key."""
    from journeys.models import Touchpoint
    from journeys.services import create_journey_from_template
    from surveys.library import create_from_library
    from surveys.models import ListeningRule
    from vocapp.tenancy.models import Organization
    from vocapp.tenancy.scope import organization_scope
    from vocapp.tenancy.services import create_api_key

    slug = f"bench-{secrets.token_hex(4)}"
    organization = Organization.objects.create(name="Ingest bench", slug=slug)
    with organization_scope(organization):
        create_journey_from_template(organization, "ecommerce", None)
        touchpoint = Touchpoint.objects.get(key="parcel-received")
        survey = create_from_library(None, organization, "post_purchase_nps")
        ListeningRule.objects.create(
            touchpoint=touchpoint, survey=survey, channels=["sms", "email"], timing="hot"
        )
    _key, full_key = create_api_key(None, organization, name="bench", scopes=["ingest"])
    return organization, touchpoint, full_key


def interaction(index: int, occurred_at: str) -> dict:
    return {
        "touchpoint": "parcel-received",
        "external_id": f"order-{index}-delivered",
        "occurred_at": occurred_at,
        "contact": {
            "external_id": f"bench-{index}",
            "phone": f"+336{10000000 + index:08d}",
            "email": f"customer{index}@example.com",
            "sms_consent": True,
        },
        "attributes": attributes_of(index),
    }


def attributes_of(index: int) -> dict:
    return {"store": ("Lyon", "Paris", "Lille")[index % 3], "order_value": 82.5}


def request_bodies(n: int) -> list[bytes]:
    """The requests' JSON bodies, encoded before the clock starts (the client's work)."""
    from django.utils import timezone

    occurred_at = (timezone.now() - timedelta(minutes=1)).isoformat()
    events = [interaction(index, occurred_at) for index in range(n)]
    return [
        json.dumps({"interactions": events[start : start + BATCH]}).encode()
        for start in range(0, n, BATCH)
    ]


def post_all(full_key: str, bodies: list[bytes]) -> dict:
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {full_key}", HTTP_HOST="localhost")
    figures = {"created": 0, "scheduled": 0, "slowest": 0.0}
    started = time.perf_counter()
    for body in bodies:
        sent = time.perf_counter()
        answer = client.post(URL, body, content_type="application/json")
        figures["slowest"] = max(figures["slowest"], time.perf_counter() - sent)
        if answer.status_code != 200:
            raise SystemExit(f"{URL} answered {answer.status_code}: {answer.content[:500]!r}")
        result = answer.json()
        figures["created"] += result["created"]
        figures["scheduled"] += sum(
            invitation["state"] == "scheduled"
            for row in result["results"]
            for invitation in row["invitations"]
        )
    figures["seconds"] = time.perf_counter() - started
    return figures


def raw_insert(organization, touchpoint, n: int) -> float:
    """The same interaction rows (other external ids) by bulk_create, 5,000 per transaction."""
    from django.db import transaction
    from django.utils import timezone

    from surveys.models import Interaction
    from vocapp.contacts.models import Contact
    from vocapp.tenancy.scope import organization_scope

    with organization_scope(organization):
        contacts = dict(Contact.objects.values_list("external_id", "pk"))
        occurred_at = timezone.now() - timedelta(minutes=1)
        digests = dict.fromkeys(("contact", "occurred_at", "attributes", "touchpoint"), "0" * 32)
        started = time.perf_counter()
        for start in range(0, n, BATCH):
            rows = [
                Interaction(
                    organization=organization,
                    touchpoint=touchpoint,
                    contact_id=contacts[f"bench-{index}"],
                    external_id=f"order-{index}-raw",
                    occurred_at=occurred_at,
                    attributes=attributes_of(index),
                    fingerprint=digests,
                )
                for index in range(start, min(n, start + BATCH))
            ]
            with transaction.atomic():
                Interaction.objects.bulk_create(rows, batch_size=BATCH)
        return time.perf_counter() - started


def discard_rows(organization) -> None:
    """The bench's bulk rows go; the organization stays (a tenant is never deleted, its rows
    protect it), with its journey and survey: a few hundred rows per run."""
    from surveys.models import Interaction, Invitation
    from vocapp.contacts.models import Contact

    for model in (Invitation, Interaction, Contact):
        model.objects.unscoped().filter(organization=organization).delete()


def profiled(function, top: int):
    """Run ``function`` under cProfile and print its ``top`` costliest functions (own time)."""
    profile = cProfile.Profile()
    result = profile.runcall(function)
    stats = pstats.Stats(profile, stream=sys.stdout).strip_dirs()
    print(f"\n--- endpoint phase: top {top} functions by own time ---")
    stats.sort_stats("tottime").print_stats(top)
    print(f"--- endpoint phase: top {top} by cumulative time ---")
    stats.sort_stats("cumulative").print_stats(top)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="Interactions (default 100,000).")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="sqlite: the embedded default in a temporary VOC_DATA_DIR; postgresql: DATABASE_URL.",
    )
    parser.add_argument("--profile", type=int, default=0, metavar="TOP", help="cProfile it.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vocbench-") as data_dir:
        configure(args, data_dir)
        from django.db import connection

        organization, touchpoint, full_key = create_organization()
        try:
            bodies = request_bodies(args.n)
            run = lambda: post_all(full_key, bodies)  # noqa: E731
            endpoint = profiled(run, args.profile) if args.profile else run()
            baseline = raw_insert(organization, touchpoint, args.n)
        finally:
            discard_rows(organization)
        database = f"{connection.vendor} {connection.settings_dict['NAME']}"

    ratio = endpoint["seconds"] / baseline
    print(f"interactions: {args.n:,} in requests of {BATCH:,}  database: {database}")
    print(
        f"endpoint (bulk API):      {endpoint['seconds']:7.1f} s  "
        f"{args.n / endpoint['seconds']:8,.0f} interactions/s  "
        f"{endpoint['scheduled'] / endpoint['seconds']:8,.0f} invitations scheduled/s  "
        f"(created {endpoint['created']:,}, scheduled {endpoint['scheduled']:,}, "
        f"slowest request {endpoint['slowest']:.1f} s)"
    )
    print(f"baseline (bulk_create):   {baseline:7.1f} s  {args.n / baseline:8,.0f} rows/s")
    verdict = "OK" if ratio < TARGET_RATIO else "OVER TARGET"
    print(f"ratio endpoint / baseline: {ratio:.1f}x  (target < {TARGET_RATIO:.0f}x) -> {verdict}")
    return 0 if ratio < TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
