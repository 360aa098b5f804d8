"""`make run` as a newcomer types it: SQLite, filesystem broker, no server, Ctrl-C stops it all.

The real Makefile target runs in a subprocess with a temporary VOC_DATA_DIR and a free PORT, and
none of DATABASE_URL, REDIS_URL or DJANGO_SETTINGS_MODULE in its environment. Honcho starts the web
server, the worker and beat each in a session of its own, so the stop check follows every
descendant of `make`, not only the processes of make's session.
"""

import http.cookiejar
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

pytestmark = pytest.mark.embedded

REPO = Path(settings.BASE_DIR)
PYTHON = REPO / ".venv" / "bin" / "python"
# What the shell of someone typing `make run` does not have: our test and service settings, and a
# parent make's flags (when the suite itself runs under `make test`).
STRIPPED_VARIABLES = {
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "TEST_DATABASE_URL",
    "TEST_REDIS_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
    "PORT",
    "VOC_DATA_DIR",
}


def embedded_environment(data_dir, **extra):
    env = {k: v for k, v in os.environ.items() if k not in STRIPPED_VARIABLES}
    env.update(VOC_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **extra)
    return env


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- /proc ------------------------------------------------------------------------------------


def proc_stat(pid):
    """(ppid, session id, state, start time) of a live process, or None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    # fields[0] is field 3 of proc(5): state, ppid, pgrp, session, ..., starttime (field 22).
    return {"state": fields[0], "ppid": int(fields[1]), "sid": int(fields[3]), "start": fields[19]}


def command_line(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def all_processes():
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = proc_stat(int(entry))
            if stat is not None:
                table[int(entry)] = stat
    return table


def is_running(stat):
    return stat is not None and stat["state"] not in {"Z", "X"}  # a zombie has exited already


def session_members(sid):
    return {pid for pid, stat in all_processes().items() if stat["sid"] == sid and is_running(stat)}


def descendants(root):
    """Every live process below ``root``, whatever its session: {pid: start time}."""
    table = all_processes()
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, stat in table.items():
            if stat["ppid"] == parent and pid not in found:
                found[pid] = stat["start"]
                frontier.append(pid)
    return found


def still_alive(tracked):
    alive = []
    for pid, start in tracked.items():
        stat = proc_stat(pid)
        if is_running(stat) and stat["start"] == start:
            alive.append(pid)
    return alive


class OutputReader(threading.Thread):
    """Collects the merged output of `make run` without blocking the test."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.lines = []

    def run(self):
        for line in iter(self.stream.readline, ""):
            self.lines.append(line)

    @property
    def text(self):
        return "".join(self.lines)


# --- HTTP -------------------------------------------------------------------------------------


def get_json(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  (our local server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def post_json(url, body, api_key):
    request = urllib.request.Request(  # noqa: S310  (our local server)
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
    )
    return get_json(request)


def poll(check, timeout, interval=0.5):
    """Calls ``check`` until it returns a truthy value or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except (OSError, ValueError):  # not listening yet, or an empty answer while starting
            result = None
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def sign_in(base_url, email, password):
    """The browser's way: GET the form, POST it back with its CSRF token and cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base_url}/login/", timeout=10) as response:
        form = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token, "the login page has no CSRF token"
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": email, "password": password}
    ).encode()
    request = urllib.request.Request(  # noqa: S310  (our local server)
        f"{base_url}/login/", data=body, headers={"Referer": f"{base_url}/login/"}
    )
    with opener.open(request, timeout=10) as response:
        return response.status, response.geturl(), response.read().decode(), opener


# --- Tests ------------------------------------------------------------------------------------


@pytest.fixture
def make_run(tmp_path):
    """Starts `make run`; whatever happens in the test, nothing it started outlives it."""
    data_dir = tmp_path / "data"
    port = free_port()
    process = subprocess.Popen(
        ["make", "run"],
        cwd=REPO,
        env=embedded_environment(data_dir, PORT=str(port)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    reader = OutputReader(process.stdout)
    reader.start()
    tracked = {}
    run = {
        "process": process,
        "port": port,
        "data_dir": data_dir,
        "output": reader,
        "tracked": tracked,
    }
    try:
        yield run
    finally:
        # After a failed stop too: whatever is still running is killed, the test has failed.
        if process.poll() is None:
            tracked.update(descendants(process.pid))
        for pid in still_alive(tracked):
            os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        reader.join(timeout=5)
        process.stdout.close()


def test_make_run_serves_the_demo_on_sqlite_and_stops_on_ctrl_c(make_run):
    process, port, data_dir = make_run["process"], make_run["port"], make_run["data_dir"]
    base_url = f"http://127.0.0.1:{port}"
    output = make_run["output"]

    # The web server answers /healthz within a minute (migrations and demo data included).
    health = poll(lambda: get_json(f"{base_url}/healthz"), timeout=60)
    assert health is not None, f"/healthz never answered within 60 s:\n{output.text[-4000:]}"
    status, report = health
    assert status == 200, report
    assert report["db"] == "ok"
    assert report["broker"] == "ok"

    # It tells the newcomer where to go and how to sign in.
    assert f"http://127.0.0.1:{port}/" in output.text
    assert "Demo login: demo@example.com / demo" in output.text

    # The worker is up: beat's heartbeat (every 30 s) went through the broker to a worker.
    report = poll(
        lambda: (r := get_json(f"{base_url}/healthz")[1])["worker"] == "ok" and r, timeout=45
    )
    assert report, f"no worker heartbeat within 45 s:\n{output.text[-4000:]}"

    # The demo login works over HTTP and lands on the demo organization.
    status, final_url, page, browser = sign_in(base_url, "demo@example.com", "demo")
    assert status == 200
    assert final_url == f"{base_url}/o/demo/", final_url
    assert "Maison Demo" in page

    # The demo's listening plan is there: its journey map shows how touchpoints are listened to.
    with browser.open(f"{base_url}/o/demo/journeys/", timeout=10) as response:
        journeys = response.read().decode()
    journey = re.search(r'href="(/o/demo/journeys/\d+/)"><strong>Online order', journeys)
    assert journey, journeys[-3000:]
    with browser.open(f"{base_url}{journey.group(1)}", timeout=10) as response:
        journey_map = response.read().decode()
    assert "Receives the parcel" in journey_map and "Moment of truth" in journey_map
    assert "SMS then email" in journey_map

    # The API takes an interaction on SQLite and schedules its survey at once, with a key made by
    # the command line against the same database (a new customer: nothing holds the survey back).
    api_key = create_api_key(data_dir)
    status, answer = post_json(f"{base_url}/api/v1/interactions/", new_interaction(), api_key)
    assert status == 201, answer
    assert [(i["state"], i["channel"]) for i in answer["invitations"]] == [
        ("scheduled", "email")
    ], answer

    # The worker sends it (console backends): the Outbox shows the email and its survey link.
    # The customer gave no phone: an SMS would wait for the morning when the test runs in the
    # evening (no SMS at night), while email has no sending window.
    def outbox_shows_it():
        with browser.open(f"{base_url}/o/demo/outbox/", timeout=10) as response:
            outbox = response.read().decode()
        return "embedded.customer@example.com" in outbox and outbox

    outbox = poll(outbox_shows_it, timeout=60)
    assert outbox, f"no message in the Outbox within 60 s:\n{output.text[-4000:]}"
    assert "/s/" in outbox

    # The customer opens the link and answers on SQLite: GET shows the survey and records
    # nothing, the POST stores the score and completes the response.
    token = re.search(r"/s/([A-Za-z0-9_-]+)/", outbox).group(1)
    reader = create_api_key(data_dir, scopes="read")
    promoters_before = parcel_promoters_today(base_url, reader)
    answer_survey_link(base_url, token, data_dir / "vocapp.sqlite3")

    # The dashboards count it within a minute (beat refreshes the rollups every 30 s): one more
    # promoter today on the parcel's NPS, in the metrics API and on the dashboard page.
    counted = poll(
        lambda: parcel_promoters_today(base_url, reader) == promoters_before + 1, timeout=90
    )
    assert counted, f"the answer never reached the metrics:\n{output.text[-4000:]}"
    with browser.open(f"{base_url}/o/demo/dashboard/", timeout=10) as response:
        dashboard = response.read().decode()
    assert "Headline indicators" in dashboard and 'type="application/json"' in dashboard

    # Every embedded file lives under VOC_DATA_DIR; the database is SQLite in WAL mode.
    database = data_dir / "vocapp.sqlite3"
    assert database.exists()
    assert (data_dir / "vocapp.sqlite3-wal").exists()
    assert (data_dir / "broker" / "queue").is_dir()
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    # Before the stop: the web server, the worker and beat are all descendants we follow.
    tracked = make_run["tracked"]
    tracked.update(descendants(process.pid))
    commands = [command_line(pid) for pid in tracked]
    assert any(f"runserver 127.0.0.1:{port}" in c for c in commands), commands
    assert any("celery -A vocapp worker" in c for c in commands), commands
    assert any("celery -A vocapp beat" in c for c in commands), commands

    # Ctrl-C: the terminal sends SIGINT to the foreground process group.
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=20)
    all_gone = poll(lambda: not (session_members(process.pid) or still_alive(tracked)), timeout=20)
    remaining = [command_line(pid) for pid in session_members(process.pid)] + [
        command_line(pid) for pid in still_alive(tracked)
    ]
    assert all_gone, f"still running 20 s after Ctrl-C: {remaining}"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{base_url}/healthz", timeout=2)  # noqa: S310


def answer_survey_link(base_url, token, database):
    """GET then POST ``/s/<token>/`` as a phone's browser does (its own cookies)."""
    jar = http.cookiejar.CookieJar()
    customer = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    link = f"{base_url}/s/{token}/"
    with customer.open(link, timeout=10) as response:
        page = response.read().decode()
    assert 'type="radio" name="q_' in page, page[-3000:]
    assert answers_to(database, token) == (0, 0)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    main = re.search(r'name="(q_[a-z0-9_]+)" value="9"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, main: "9"}).encode()
    request = urllib.request.Request(link, data=body, headers={"Referer": link})  # noqa: S310
    with customer.open(request, timeout=10) as response:
        assert response.status == 200
        thanks = response.read().decode()
    assert 'id="thanks-title"' in thanks, thanks[-3000:]
    assert answers_to(database, token) == (1, 1)


def answers_to(database, token):
    """(answers scored 9, completed responses) of the invitation with ``token``."""
    query = """
        SELECT COUNT(a.id), COUNT(DISTINCT CASE WHEN r.completed_at IS NOT NULL THEN r.id END)
        FROM surveys_invitation i
        JOIN surveys_response r ON r.invitation_id = i.id
        LEFT JOIN surveys_answer a ON a.response_id = r.id AND a.score = 9
        WHERE i.token = ?
    """
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return tuple(connection.execute(query, (token,)).fetchone())


def parcel_promoters_today(base_url, api_key):
    """Promoters of today (Paris) on "Receives the parcel", from ``GET /api/v1/metrics/``."""
    today = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
    request = urllib.request.Request(  # noqa: S310  (our local server)
        f"{base_url}/api/v1/metrics/?metric=nps&group_by=touchpoint&since={today}&until={today}",
        headers={"Authorization": f"Bearer {api_key}"},
    )
    status, answer = get_json(request)
    assert status == 200, answer
    [parcel] = [group for group in answer["groups"] if group["label"] == "Receives the parcel"]
    return parcel["buckets"]["promoters"]


def create_api_key(data_dir, scopes="ingest"):
    """`manage.py create_api_key` as the newcomer runs it next to `make run`: the key is last."""
    result = subprocess.run(
        [str(PYTHON), "manage.py", "create_api_key", "demo", "--scopes", scopes],
        cwd=REPO,
        env=embedded_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.split()[-1]


def new_interaction():
    return {
        "touchpoint": "parcel-received",
        "external_id": "embedded-order-1-delivered",
        "occurred_at": datetime.now(UTC).isoformat(),
        "contact": {
            "external_id": "embedded-customer",
            "email": "embedded.customer@example.com",
        },
    }


def table_counts(database):
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def test_seed_demo_is_idempotent_and_fast_on_sqlite(tmp_path):
    data_dir = tmp_path / "data"
    env = embedded_environment(data_dir, DJANGO_SETTINGS_MODULE="vocapp.settings.dev")

    def manage(*args):
        started = time.monotonic()
        result = subprocess.run(
            [str(PYTHON), "manage.py", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout, time.monotonic() - started

    manage("migrate", "--noinput")
    manage("createcachetable")
    database = data_dir / "vocapp.sqlite3"

    first_output, first_duration = manage("seed_demo")
    assert "Demo organization created" in first_output
    assert first_duration < 60, f"first seed_demo took {first_duration:.1f} s"
    after_first = table_counts(database)
    assert after_first["tenancy_organization"] == 1
    assert after_first["tenancy_user"] >= 4

    second_output, second_duration = manage("seed_demo")
    assert "already there" in second_output
    assert second_duration < 60, f"second seed_demo took {second_duration:.1f} s"
    after_second = table_counts(database)
    changed = {
        table: (after_first[table], after_second[table])
        for table in after_first
        if after_first[table] != after_second[table]
    }
    assert not changed, f"seed_demo is not idempotent, rows (first, second): {changed}"
