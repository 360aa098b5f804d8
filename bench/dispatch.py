"""Drain N due cold invitations through the dispatcher at the senders' pace, hot ones arriving.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vocapp_bench_dispatch \\
        .venv/bin/python bench/dispatch.py --database postgresql             # 100,000, Redis
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vocapp_bench_dispatch \\
        .venv/bin/python bench/dispatch.py --database postgresql --n 20000
    .venv/bin/python bench/dispatch.py --n 2000              # embedded SQLite, database cache
    .venv/bin/python bench/dispatch.py --n 2000 --backend locmem   # no HTTP: LocMemBackend
    .venv/bin/python bench/dispatch.py --n 20000 --profile 25      # where worker 0's time goes

Two throwaway organizations, each with its own 4 sender numbers, a delivery policy whose SMS
window is open all week (00:00-23:59 UTC, no holidays) and a one-day fatigue budget, the library's
NPS survey and the e-commerce journey. Organization A gets N contacts (phone, SMS consent, UTC)
and one due cold SMS invitation each, bulk-inserted: its campaign. Then 4 worker processes (the
default Celery concurrency, forked like the prefork pool) each call ``dispatch_due()`` in a loop,
as the beat and the task's own re-queueing do; a pass that sends nothing because every sender is
paced waits for the next second boundary (the bench may sleep, the product never does), one that
finds nothing to claim polls again 50 ms later. Meanwhile a thread creates hot SMS invitations
for organization B, 2 a second, due at once. Pacing is ``SMS_SENDER_RATE=50`` per sender, 200
SMS/s for A's 4 senders; messages go through the real TwilioBackend to the local fake Twilio API
(tests/fakes/twilio_api.py), or with ``--backend locmem`` to LocMemBackend.

Targets: A's throughput (messages sent / time from its first to its last send) at least 90% of
its pacing; B's hot invitations, from ``send_at`` to sent, p99 under 60 s. The cache is the one
the product shares between processes: Redis (``--redis``, database 9) on PostgreSQL, the
database cache on SQLite. Both organizations' contacts, invitations and messages, and their
sender numbers, are deleted at the end.
"""

import argparse
import cProfile
import itertools
import math
import os
import pstats
import queue
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from datetime import timedelta
from pathlib import Path

from databases import create_database_if_missing

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5_000
SENDERS = 4
TARGET_SHARE = 0.90
TARGET_LAG = 60.0
IDLE_POLL = 0.05
STALL_SECONDS = 120  # the drain stops, unfinished, after this long without a message out
SLUG_PREFIX = "dispatch-bench-"
ALWAYS_OPEN = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "23:59", "holidays": False}
# The fake Twilio API in a process of its own, as a remote provider would be: it prints its
# address and account, forgets what it took every second (memory stays flat) and, when its stdin
# closes, prints how many messages it took in all.
FAKE_TWILIO = """
import signal, sys, threading
signal.signal(signal.SIGINT, signal.SIG_IGN)
sys.path.insert(0, {root!r})
from tests.fakes.twilio_api import FakeTwilio

fake = FakeTwilio()
print(fake.url, fake.account_sid, fake.auth_token, flush=True)
closed, taken = threading.Event(), 0
threading.Thread(target=lambda: (sys.stdin.read(), closed.set()), daemon=True).start()
while True:
    done = closed.wait(1.0)
    with fake._lock:
        taken += len(fake.messages)
        fake.messages.clear()
        fake.requests.clear()
    if done:
        break
fake.close()
print(taken, flush=True)
"""
BACKENDS = {
    "twilio": "vocapp.messaging.sms.TwilioBackend",
    "locmem": "vocapp.messaging.sms.LocMemBackend",
}


class FakeProvider:
    """The fake Twilio API's process: ``url``, ``account_sid``, ``auth_token``, ``close()``."""

    def __init__(self, data_dir: str):
        # The fake imports vocapp, which reads the settings: its own process keeps this one's
        # unread until configure() has set the variables.
        environment = {**os.environ, "VOC_DATA_DIR": data_dir}
        self.process = subprocess.Popen(
            [sys.executable, "-c", FAKE_TWILIO.format(root=str(ROOT))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        self.url, self.account_sid, self.auth_token = self.process.stdout.readline().split()
        self.taken = None

    def close(self) -> int:
        """Stop it; how many messages it took."""
        if self.taken is None:
            self.cpu = process_cpu(self.process.pid)
            self.process.stdin.close()
            self.taken = int(self.process.stdout.readline() or 0)
            self.process.wait(timeout=30)
        return self.taken


def configure(args, data_dir: str, fake) -> None:
    """The dev settings on SQLite (database cache) or PostgreSQL from DATABASE_URL (Redis)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "vocapp.settings.dev"
    os.environ["DEBUG"] = "false"  # DEBUG would keep every query in memory
    os.environ["VOC_DATA_DIR"] = data_dir
    os.environ["SMS_SENDER_RATE"] = str(args.rate)
    os.environ["SMS_BACKEND"] = BACKENDS[args.backend]
    if fake is not None:
        os.environ["TWILIO_API_BASE_URL"] = fake.url
        os.environ["TWILIO_ACCOUNT_SID"] = fake.account_sid
        os.environ["TWILIO_AUTH_TOKEN"] = fake.auth_token
    if "django.conf" in sys.modules and sys.modules["django.conf"].settings.configured:
        raise RuntimeError(
            "the settings were read before configure(): the variables would not count"
        )
    Path(data_dir, "static").mkdir(exist_ok=True)  # STATIC_ROOT, which whitenoise looks for
    if args.database == "postgresql":
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise SystemExit("--database postgresql needs DATABASE_URL=postgres://…")
        create_database_if_missing(os.environ["DATABASE_URL"])
        os.environ["REDIS_URL"] = args.redis  # the shared cache of a real deployment
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)  # the embedded database cache, as `make run`
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    if args.database == "sqlite" and not str(connection.settings_dict["NAME"]).startswith(data_dir):
        raise RuntimeError(f"not the bench's database: {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    try:
        cache.set("dispatch-bench:ping", 1, timeout=5)
        assert cache.get("dispatch-bench:ping") == 1
    except Exception as error:
        where = args.redis if args.database == "postgresql" else "the database cache"
        raise SystemExit(f"the cache ({where}) does not answer: {error!r}") from error


# --- Set-up -------------------------------------------------------------------------------------


def sender_numbers(label: str) -> list[str]:
    """A: +15005550001..4, B: +15005550011..14 (Twilio's magic test numbers' range)."""
    digit = "0" if label == "A" else "1"
    return [f"+150055500{digit}{index}" for index in range(1, SENDERS + 1)]


def create_tenant(label: str, token: str):
    """An organization with its own senders, an always-open policy, a survey and a journey."""
    from journeys.models import Touchpoint
    from journeys.services import create_journey_from_template
    from surveys.library import create_from_library
    from surveys.models import DeliveryPolicy, SenderNumber
    from vocapp.tenancy.models import Organization
    from vocapp.tenancy.scope import organization_scope

    organization = Organization.objects.create(
        name=f"Dispatch bench {label}", slug=f"{SLUG_PREFIX}{token}-{label.lower()}"
    )
    with organization_scope(organization):
        create_journey_from_template(organization, "ecommerce", None)
        touchpoint = Touchpoint.objects.get(key="parcel-received")
        version = create_from_library(None, organization, "post_purchase_nps").current_version
        DeliveryPolicy.objects.update_or_create(
            organization=organization, defaults={"sms_window": ALWAYS_OPEN, "fatigue_days": 1}
        )
    numbers = sender_numbers(label)
    SenderNumber.objects.filter(number__in=numbers).delete()  # a crashed run's leftovers
    SenderNumber.objects.bulk_create(
        SenderNumber(organization=organization, number=number, label="dispatch bench")
        for number in numbers
    )
    return organization, touchpoint, version


def create_contacts(organization, count: int) -> list[int]:
    from django.db import transaction
    from django.utils import timezone

    from vocapp.contacts.models import Contact

    now = timezone.now()
    for start in range(0, count, BATCH):
        rows = [
            Contact(
                organization=organization,
                external_id=f"bench-A-{index}",
                phone=f"+4477{index:08d}",
                time_zone="UTC",
                sms_consent_at=now,
            )
            for index in range(start, min(count, start + BATCH))
        ]
        with transaction.atomic():
            Contact.objects.unscoped().bulk_create(rows, batch_size=BATCH)
    return list(
        Contact.objects.unscoped()
        .filter(organization=organization)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def invitation(organization, touchpoint, version, contact_id: int, kind: str, now):
    from surveys.models import Invitation
    from surveys.models.delivery import invitation_priority

    return Invitation(
        organization=organization,
        contact_id=contact_id,
        touchpoint=touchpoint,
        survey_version=version,
        kind=kind,
        channel="sms",
        state="scheduled",
        priority=invitation_priority(kind, 50),
        send_at=now,
        expires_at=now + timedelta(days=7),
    )


def create_cold_campaign(tenant, contact_ids: list[int]) -> None:
    """One due cold SMS invitation per contact, as a materialized campaign run leaves them."""
    from django.db import transaction
    from django.utils import timezone

    from surveys.models import Invitation

    now = timezone.now()
    for start in range(0, len(contact_ids), BATCH):
        rows = [invitation(*tenant, pk, "cold", now) for pk in contact_ids[start : start + BATCH]]
        with transaction.atomic():
            Invitation.objects.unscoped().bulk_create(rows, batch_size=BATCH)


def vacuum() -> None:
    """PostgreSQL: earlier runs' dead rows go and the planner learns the new ones. Without
    autovacuum (some local servers), the drain's own dead rows pile up: said, not hidden."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) surveys_invitation, surveys_message, contacts_contact")
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] != "on":
            print("note: autovacuum is off on this server: the drain's dead rows stay", flush=True)


def discard_rows(organizations) -> None:
    """The bench's rows go; the organizations stay (a tenant is never deleted) with their
    journey, survey and policy: a few hundred rows per run."""
    from surveys.models import Invitation, Message, SenderNumber
    from vocapp.contacts.models import Contact

    for model in (Message, Invitation, Contact):
        model.objects.unscoped().filter(organization__in=organizations).delete()
    SenderNumber.objects.filter(organization__in=organizations).delete()


def check_database_is_quiet(organizations) -> None:
    """Earlier bench runs' rows go; anything else due would be sent too and skew the figures."""
    from surveys.models import Invitation, SenderNumber
    from surveys.selectors import senders_for
    from vocapp.tenancy.models import Organization

    earlier = Organization.objects.filter(slug__startswith=SLUG_PREFIX).exclude(
        pk__in=[organization.pk for organization in organizations]
    )
    discard_rows(list(earlier))
    others = Invitation.objects.unscoped().filter(state="scheduled").count()
    if others:
        raise SystemExit(f"{others:,} other scheduled invitations in this database: use another.")
    for organization in organizations:
        found = len(senders_for(organization))
        if found != SENDERS:
            shared = list(SenderNumber.objects.filter(organization__isnull=True, active=True))
            raise SystemExit(
                f"{organization.name} has {found} senders, not {SENDERS}: shared sender numbers "
                f"{shared} would change the pacing; use another database."
            )


# --- The run ------------------------------------------------------------------------------------


class StopPass(BaseException):
    """Raised in a worker by SIGUSR1 (stop_workers): its pass ends where it is."""


def stop_pass(signum, frame):
    raise StopPass


def work(index: int, stop, results, profile_path: str | None) -> None:
    """One worker process: dispatch_due() again and again, as the Celery worker runs it."""
    from django.db import connection

    from surveys import sending
    from surveys.dispatch import dispatch_due
    from vocapp.messaging import sms

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the main process: see drain()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # stop_workers() may have to kill it
    signal.signal(signal.SIGUSR1, stop_pass)
    cpu_spent, wall_spent = time_phases()
    profile = cProfile.Profile() if profile_path else None
    # The LocMemBackend numbers its ids per process: forked workers would all send "locmem-1".
    sms._locmem_ids = itertools.count(index * 1_000_000_000 + 1)
    stats, later = Counter(), []
    busy = 0.0
    started = time.perf_counter()
    try:
        while not stop.is_set():
            begun = time.perf_counter()
            try:
                if profile:
                    profile.enable()
                result = dispatch_due()
                for message_id, delay in result.retries:
                    later.append((time.monotonic() + delay, message_id))
                later = retry_due(later, sending, stats)
            except Exception:
                stats["errors"] += 1
                if stats["errors"] <= 3:
                    traceback.print_exc()
                connection.close()
                result = None
            finally:
                if profile:
                    profile.disable()
                busy += time.perf_counter() - begun
            sms.outbox.clear()  # the LocMemBackend's, if it is the one: memory stays flat
            stats["passes"] += 1
            if result is None:
                time.sleep(IDLE_POLL)
                continue
            stats.update(result.counts)
            if result.counts["sent"]:
                continue
            if result.counts["paced"]:
                stats["paced passes"] += 1
                time.sleep(1.0 - time.time() % 1.0 + 0.001)  # the next pacing window
            else:
                stats["empty passes"] += 1
                time.sleep(IDLE_POLL)
    except StopPass:
        stats["passes cut short"] += 1
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats["left to retry"] = len(later)
    results.put(
        {
            "index": index,
            "stats": dict(stats),
            "busy": busy,
            "wall": time.perf_counter() - started,
            "cpu": usage.ru_utime + usage.ru_stime,
            "phases": (dict(cpu_spent), dict(wall_spent)),
        }
    )
    if profile:
        profile.dump_stats(profile_path)
    connection.close()


# The dispatcher's steps whose CPU time each worker adds up (module, function): wrapped in the
# worker's own memory, where the dispatcher looks them up at each call. Nested: claim_batch holds
# lock_due, take_tokens, sms_body and record; send_recorded holds call_provider and mark_sent.
PHASES = (
    ("surveys.dispatch", "claim_batch"),
    ("surveys.dispatch", "lock_due"),
    ("surveys.pacing", "take_tokens"),
    ("surveys.composing", "sms_body"),
    ("surveys.dispatch", "record"),
    ("surveys.sending", "send_recorded"),
    ("surveys.sending", "call_provider"),
    ("surveys.sending", "mark_sent"),
)


def time_phases() -> tuple[Counter, Counter]:
    """Wrap PHASES to count their CPU and wall seconds, and their calls ("<name> calls")."""
    import importlib

    cpu, wall = Counter(), Counter()

    def timer(name, original):
        def timed(*args, **kwargs):
            begun, clock = time.process_time(), time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                cpu[name] += time.process_time() - begun
                wall[name] += time.perf_counter() - clock
                cpu[f"{name} calls"] += 1

        return timed

    for module_name, name in PHASES:
        module = importlib.import_module(module_name)
        setattr(module, name, timer(name, getattr(module, name)))
    return cpu, wall


def retry_due(later: list, sending, stats: Counter) -> list:
    """The transient failures whose backoff is over go again (send_message_later's work)."""
    now, waiting = time.monotonic(), []
    for due, message_id in later:
        if due > now:
            waiting.append((due, message_id))
            continue
        outcome = sending.send_message(message_id)
        stats[f"retried {outcome.state}"] += 1
        if outcome.retry_in is not None:
            waiting.append((now + outcome.retry_in, message_id))
    return waiting


class HotDriver(threading.Thread):
    """Creates organization B's hot invitations at a steady rate, each for a new contact (so
    that fatigue holds none back), due at once."""

    def __init__(self, tenant, per_second: float):
        super().__init__(daemon=True)
        self.tenant, self.interval = tenant, 1.0 / per_second
        self.stop = threading.Event()
        self.created: list[int] = []
        self.error = None

    def run(self):
        from django.db import connection
        from django.utils import timezone

        from surveys.models import Invitation
        from vocapp.contacts.models import Contact

        next_at, index = time.monotonic(), 0
        try:
            while not self.stop.wait(max(0.0, next_at - time.monotonic())):
                contact = Contact.objects.unscoped().create(
                    organization=self.tenant[0],
                    external_id=f"bench-B-{index}",
                    phone=f"+4478{index:08d}",
                    time_zone="UTC",
                    sms_consent_at=timezone.now(),
                )
                row = invitation(*self.tenant, contact.pk, "hot", timezone.now())
                Invitation.objects.unscoped().bulk_create([row])
                self.created.append(row.pk)
                index += 1
                next_at += self.interval
        except Exception as error:  # reported by the main thread
            self.error = error
        finally:
            connection.close()


def process_cpu(pid: int) -> float:
    """The CPU seconds a process of this machine used so far (Linux), or NaN."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class DatabaseCpu:
    """The CPU time of the PostgreSQL backends serving the bench's database (a local server),
    sampled every second: the workers' connections live as long as the run."""

    def __init__(self):
        self.seen: dict[int, float] = {}

    def sample(self) -> None:
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            for (pid,) in cursor.fetchall():
                used = process_cpu(pid)
                if not math.isnan(used):
                    self.seen[pid] = used

    @property
    def seconds(self) -> float | None:
        return sum(self.seen.values()) if self.seen else None


def stop_workers(workers, results, wait: float = 60.0) -> list[dict]:
    """Each worker's report once its pass ends. A dispatcher behind its pacing is never paced,
    so a pass can go on for its 1,000 batches: after 5 s, a pass still running is cut short
    (SIGUSR1); whoever has not reported in time then is killed."""
    reports, nudged, deadline = [], False, time.monotonic() + wait
    while len(reports) < len(workers) and time.monotonic() < deadline:
        try:
            reports.append(results.get(timeout=5))
        except queue.Empty:
            if nudged:
                continue
            done = {report["index"] for report in reports}
            for index, worker in enumerate(workers):
                if index not in done and worker.is_alive():
                    os.kill(worker.pid, signal.SIGUSR1)
            nudged = True
    for worker in workers:
        worker.join(timeout=max(0.1, deadline - time.monotonic()))
        if worker.is_alive():
            worker.terminate()
            worker.join()
    return reports


def cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of the whole machine, from /proc/stat (Linux)."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def drain(args, organization_a, hot_tenant, profile_path):
    """Start the workers and the hot driver, watch A drain, stop everything; the run's figures."""
    import multiprocessing

    from django.db import connections

    from surveys.models import Invitation

    remaining = Invitation.objects.unscoped().filter(
        organization=organization_a, state__in=["scheduled", "sending"]
    )
    hot_left = Invitation.objects.unscoped().filter(
        organization=hot_tenant[0], state__in=["scheduled", "sending"]
    )
    connections.close_all()  # the workers are forked: each opens its own
    context = multiprocessing.get_context("fork")
    stop, results = context.Event(), context.Queue()
    workers = [
        context.Process(
            target=work, args=(i, stop, results, profile_path if i == 0 else None), daemon=True
        )
        for i in range(args.workers)
    ]
    driver = HotDriver(hot_tenant, args.hot_rate)
    figures, database = {"complete": True}, DatabaseCpu()
    ticks, cpu_before = cpu_ticks(), resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    for worker in workers:
        worker.start()
    driver.start()
    try:
        last_print, last_left, left = started, args.n, args.n
        progress = (left, started)
        try:
            while left and not driver.error and time.monotonic() - progress[1] < STALL_SECONDS:
                time.sleep(1.0)
                database.sample()
                left = remaining.count()
                now = time.monotonic()
                if now - last_print >= 10 or left == 0:
                    rate = (last_left - left) / (now - last_print)
                    print(
                        f"  {now - started:5.0f} s: A {args.n - left:>7,} out ({rate:5.0f}/s), "
                        f"{left:,} left; B hot {len(driver.created):,} created",
                        flush=True,
                    )
                    last_print, last_left = now, left
                if left != progress[0]:
                    progress = (left, now)
        except KeyboardInterrupt:
            print("  interrupted: the workers stop, the figures so far follow", flush=True)
        driver.stop.set()
        driver.join()
        settle = time.monotonic() + 30
        while hot_left.exists() and time.monotonic() < settle:
            time.sleep(0.5)
        database.sample()
        figures["complete"] = left == 0 and not hot_left.exists()
    finally:
        driver.stop.set()
        stop.set()
        figures["workers"] = stop_workers(workers, results)
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    figures["main_cpu"] = (cpu_after.ru_utime + cpu_after.ru_stime) - (
        cpu_before.ru_utime + cpu_before.ru_stime
    )
    after = cpu_ticks()
    if ticks and after and after[1] > ticks[1]:
        figures["machine_cpu"] = (after[0] - ticks[0]) / (after[1] - ticks[1])
        figures["machine_cpu_seconds"] = (after[0] - ticks[0]) / os.sysconf("SC_CLK_TCK")
    figures["hot"] = driver.created
    figures["database_cpu"] = database.seconds
    if driver.error:
        raise SystemExit(f"the hot driver failed: {driver.error!r}")
    return figures


# --- Figures ------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest rank; an unsent invitation counts as infinitely late."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def cold_figures(organization_a) -> dict:
    from django.db.models import Count, Max, Min

    from surveys.models import Invitation, Message

    invitations = Invitation.objects.unscoped().filter(organization=organization_a)
    states = dict(invitations.values_list("state").annotate(n=Count("pk")).order_by())
    span = invitations.filter(state="sent").aggregate(first=Min("sent_at"), last=Max("sent_at"))
    seconds = (
        (span["last"] - span["first"]).total_seconds() if span["first"] and span["last"] else 0
    )
    # Pacing held? The most messages one sender recorded within one clock second (a token is
    # taken just before its message is recorded: a message can spill over into the next second).
    windows = Counter(
        (sender, int(created.timestamp()))
        for sender, created in Message.objects.unscoped()
        .filter(organization=organization_a)
        .values_list("sender", "created_at")
        .iterator(chunk_size=BATCH)
    )
    return {
        "states": states,
        "sent": states.get("sent", 0),
        "seconds": seconds,
        "busiest": max(windows.values(), default=0),
    }


def hot_figures(hot_ids: list[int]) -> dict:
    from surveys.models import Invitation, Message

    rows = (
        Invitation.objects.unscoped().filter(pk__in=hot_ids).values_list("pk", "send_at", "sent_at")
    )
    recorded = dict(
        Message.objects.unscoped()
        .filter(invitation_id__in=hot_ids)
        .values_list("invitation_id", "created_at")
    )
    sent, queued = [], []
    for pk, send_at, sent_at in rows:
        sent.append((sent_at - send_at).total_seconds() if sent_at else math.inf)
        if pk in recorded:
            queued.append((recorded[pk] - send_at).total_seconds())
    return {
        "created": len(hot_ids),
        "sent": sum(lag != math.inf for lag in sent),
        "p50": percentile(sent, 0.50),
        "p99": percentile(sent, 0.99),
        "max": max(sent, default=math.nan),
        "recorded_p50": percentile(queued, 0.50),
        "recorded_p99": percentile(queued, 0.99),
    }


def print_profile(path: str, top: int) -> None:
    stats = pstats.Stats(path, stream=sys.stdout).strip_dirs()
    print(f"\n--- worker 0's dispatch_due() calls: top {top} functions by own time ---")
    stats.sort_stats("tottime").print_stats(top)
    print(f"--- worker 0's dispatch_due() calls: top {top} by cumulative time ---")
    stats.sort_stats("cumulative").print_stats(top)


def print_phases(workers: list[dict], sent: int) -> None:
    """Where the workers' CPU goes, in milliseconds a message sent."""
    cpu, wall = Counter(), Counter()
    for worker in workers:
        cpu.update(worker["phases"][0])
        wall.update(worker["phases"][1])

    def ms(*names, minus=()):
        return 1000 * (sum(cpu[n] for n in names) - sum(cpu[n] for n in minus)) / sent

    print(
        f"             CPU a message: claim {ms('claim_batch'):.1f} ms (fair query and lock "
        f"{ms('lock_due'):.1f}, pacing tokens {ms('take_tokens'):.1f}, SMS body "
        f"{ms('sms_body'):.1f}, recording {ms('record'):.1f}, checks "
        f"{ms('claim_batch', minus=('lock_due', 'take_tokens', 'sms_body', 'record')):.1f}); "
        f"send {ms('send_recorded'):.1f} ms (provider call {ms('call_provider'):.1f}, "
        f"marking sent {ms('mark_sent'):.1f})"
    )
    claims = cpu["lock_due calls"]
    if claims:
        print(
            f"             claims: {claims:,}, {sent / claims:.0f} messages each; "
            f"the fair query and lock take {1000 * wall['lock_due'] / claims:.0f} ms of wall "
            f"time each, a provider call {1000 * wall['call_provider'] / max(sent, 1):.1f} ms"
        )


def report(args, run, cold, hot, database: str, setup_seconds: float) -> int:
    pacing = args.rate * SENDERS
    throughput = cold["sent"] / cold["seconds"] if cold["seconds"] else 0.0
    share = throughput / pacing
    drained = cold["sent"] == args.n and run["complete"]
    throughput_ok = share >= TARGET_SHARE and drained
    lag_ok = hot["created"] > 0 and hot["p99"] < TARGET_LAG
    backend = "TwilioBackend -> fake Twilio API" if args.backend == "twilio" else "LocMemBackend"
    print(
        f"\ncold invitations: {args.n:,} for A, {SENDERS} senders x {args.rate}/s = {pacing}/s; "
        f"hot for B at {args.hot_rate:g}/s; {args.workers} worker processes; {backend}; "
        f"database: {database}; set-up {setup_seconds:.0f} s"
    )
    states = ", ".join(f"{state} {count:,}" for state, count in sorted(cold["states"].items()))
    verdict = "OK" if throughput_ok else "MISSED" + ("" if drained else " (not drained)")
    print(
        f"A's drain:   {cold['sent']:,} sent in {cold['seconds']:.1f} s (first to last send) = "
        f"{throughput:.1f} msg/s = {share:.1%} of the {pacing}/s pacing "
        f"(target >= {TARGET_SHARE:.0%}) -> {verdict}"
    )
    print(
        f"             states: {states}; busiest sender-second: {cold['busiest']} messages "
        f"(limit {args.rate})"
    )
    verdict = "OK" if lag_ok else "MISSED"
    print(
        f"B's hot:     {hot['created']:,} created, {hot['sent']:,} sent; lag send_at -> sent: "
        f"p50 {hot['p50']:.2f} s, p99 {hot['p99']:.2f} s, max {hot['max']:.2f} s "
        f"(target p99 < {TARGET_LAG:.0f} s) -> {verdict}"
    )
    print(
        f"             send_at -> message recorded: p50 {hot['recorded_p50']:.2f} s, "
        f"p99 {hot['recorded_p99']:.2f} s"
    )
    totals, cpu = Counter(), 0.0
    for worker in run["workers"]:
        totals.update(worker["stats"])
        cpu += worker["cpu"]
    busy = sum(w["busy"] for w in run["workers"]) / max(sum(w["wall"] for w in run["workers"]), 1)
    counted = ", ".join(f"{name} {count:,}" for name, count in sorted(totals.items()))
    killed = args.workers - len(run["workers"])
    if killed:
        counted += f"; {killed} killed mid-pass (not counted)"
    print(f"workers:     {counted}")
    # By the workers that reported, a pass cut short included.
    sent = sum(worker["phases"][0].get("send_recorded calls", 0) for worker in run["workers"])
    if sent:
        print(
            f"             in dispatch_due {busy:.0%} of their time; {cpu:.0f} CPU s in all = "
            f"{1000 * cpu / sent:.1f} ms a message"
        )
        print_phases(run["workers"], sent)
    sent = max(cold["sent"] + hot["sent"], 1)  # by all
    if args.backend == "twilio":
        print(
            f"provider:    {run['received']:,} messages taken by the fake Twilio API "
            f"({run['provider_cpu']:.0f} CPU s in its process)"
        )
    if run["database_cpu"] is not None:
        print(
            f"database:    its backends {run['database_cpu']:.0f} CPU s = "
            f"{1000 * run['database_cpu'] / sent:.1f} ms a message"
        )
    if "machine_cpu" in run:
        ours = cpu + run.get("provider_cpu", 0.0) + run["main_cpu"] + (run["database_cpu"] or 0)
        print(
            f"machine:     {run['machine_cpu']:.0%} of {os.cpu_count()} CPUs busy during the drain "
            f"({run['machine_cpu_seconds']:.0f} CPU s; the bench's processes above "
            f"{ours:.0f}, hot driver and watch {run['main_cpu']:.0f}, the rest "
            f"{run['machine_cpu_seconds'] - ours:.0f}: the kernel, Redis, other work)"
        )
    return 0 if throughput_ok and lag_ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="A's cold invitations (100,000).")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="sqlite: the embedded default in a temporary VOC_DATA_DIR; postgresql: DATABASE_URL.",
    )
    parser.add_argument("--backend", choices=tuple(BACKENDS), default="twilio")
    parser.add_argument("--rate", type=int, default=50, help="SMS_SENDER_RATE (50 a sender).")
    parser.add_argument("--workers", type=int, default=4, help="Worker processes (4).")
    parser.add_argument("--hot-rate", type=float, default=2.0, help="B's hot invitations a second.")
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/9", help="REDIS_URL on PostgreSQL runs."
    )
    parser.add_argument("--profile", type=int, default=0, metavar="TOP", help="cProfile worker 0.")
    args = parser.parse_args()
    # Ctrl-C, kill -INT or kill -TERM end the drain early with the figures so far (a shell
    # starts background jobs with SIGINT ignored: it is put back).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    with tempfile.TemporaryDirectory(prefix="vocbench-") as data_dir:
        fake = FakeProvider(data_dir) if args.backend == "twilio" else None
        try:
            configure(args, data_dir, fake)
            return run_bench(args, data_dir, fake)
        finally:
            if fake is not None:
                fake.close()


def run_bench(args, data_dir: str, fake) -> int:
    from django.db import connection

    started = time.perf_counter()
    token = secrets.token_hex(4)
    tenant_a, tenant_b = create_tenant("A", token), create_tenant("B", token)
    organizations = [tenant_a[0], tenant_b[0]]
    try:
        check_database_is_quiet(organizations)
        create_cold_campaign(tenant_a, create_contacts(tenant_a[0], args.n))
        vacuum()
        setup_seconds = time.perf_counter() - started
        database = f"{connection.vendor} {connection.settings_dict['NAME']}"
        print(f"set-up done in {setup_seconds:.0f} s; draining {args.n:,} ({database})", flush=True)
        profile_path = str(Path(data_dir, "worker0.prof")) if args.profile else None
        run = drain(args, tenant_a[0], tenant_b, profile_path)
        cold, hot = cold_figures(tenant_a[0]), hot_figures(run["hot"])
    finally:
        discard_rows(organizations)
    if fake is not None:
        run["received"] = fake.close()
        run["provider_cpu"] = fake.cpu
    if args.profile and Path(profile_path).exists():  # not if worker 0 was killed mid-pass
        print_profile(profile_path, args.profile)
    return report(args, run, cold, hot, database, setup_seconds)


if __name__ == "__main__":
    sys.exit(main())
