"""``/healthz``: 503 only when the database is down; the broker and the worker are reported.

The database is taken down for real (the connection pointed at a closed port) and, on a live
connection, by a query that fails the way PostgreSQL does when the server goes away. The broker
is pointed at a closed port, and at a socket that accepts but never answers (a hung Redis): the
probe must still answer 200, quickly. The worker's heartbeat is written by a real Celery worker.
"""

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError, connection, connections
from django.test import override_settings

from tests.core.conftest import closed_port, unreachable_cache
from vocapp.celery import app as celery_app
from vocapp.health import HEARTBEAT_CACHE_KEY
from vocapp.tasks import record_worker_heartbeat

NOON = datetime(2030, 5, 6, 12, 0, tzinfo=UTC)


def health(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


@contextmanager
def broker_at(url: str):
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    try:
        yield
    finally:
        celery_app.conf.broker_url = previous


# --- normal ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_answers_200_with_every_part_ok_or_reported(client):
    status, body = health(client)
    assert status == 200
    assert body == {"db": "ok", "broker": "ok", "worker": "no heartbeat yet"}


@pytest.mark.django_db
def test_it_is_never_cached_and_only_read(client):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405


# --- the database ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_answers_503_when_the_database_server_is_unreachable(client):
    connection.close()
    unreachable = {"HOST": "127.0.0.1", "PORT": str(closed_port())}
    try:
        with mock.patch.dict(connection.settings_dict, unreachable):
            status, body = health(client)
    finally:
        connection.close()
    assert status == 503
    assert body["db"] == "down"
    assert body["broker"] == "ok"  # the other parts are still reported
    # And back to 200 once the database is back.
    assert health(client)[0] == 200


@pytest.mark.django_db
def test_it_answers_503_when_the_database_connection_breaks(client):
    lost = OperationalError("server closed the connection unexpectedly")
    with mock.patch.object(connection, "cursor", side_effect=lost):
        status, body = health(client)
    assert (status, body["db"]) == (503, "down")


# --- the broker ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_answers_200_with_the_broker_down(client):
    with broker_at(f"redis://127.0.0.1:{closed_port()}/0"):
        status, body = health(client)
    assert status == 200
    assert body["db"] == "ok" and body["broker"] == "down"


@pytest.mark.django_db
def test_it_answers_quickly_when_the_broker_hangs(client):
    """A broker that accepts connections but never replies must not hang the probe.

    The probe runs in a thread so that a regression fails this test instead of hanging the run:
    closing the silent socket resets the pending connection and frees the thread.
    """

    def probe():
        try:
            return health(client)
        finally:
            connections.close_all()  # the thread's own database connection

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        executor = ThreadPoolExecutor(max_workers=1)
        with broker_at(f"redis://127.0.0.1:{silent.getsockname()[1]}/0"):
            started = time.monotonic()
            future = executor.submit(probe)
            try:
                status, body = future.result(timeout=8)
            except FutureTimeout:
                pytest.fail("/healthz still had not answered after 8 s with a hung broker")
            finally:
                executor.shutdown(wait=False)
            elapsed = time.monotonic() - started
    assert (status, body["broker"]) == (200, "down")
    assert elapsed < 8


# --- the worker ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_reports_a_fresh_heartbeat_then_a_stale_one(client):
    with time_machine.travel(NOON, tick=False):
        record_worker_heartbeat.delay()
        assert health(client)[1]["worker"] == "ok"
    stale_after = settings.WORKER_HEARTBEAT_STALE_SECONDS
    with time_machine.travel(NOON + timedelta(seconds=stale_after - 1), tick=False):
        assert health(client)[1]["worker"] == "ok"
    with time_machine.travel(NOON + timedelta(seconds=stale_after + 1), tick=False):
        status, body = health(client)
    assert (status, body["worker"]) == (200, "stale")


def test_beat_sends_the_heartbeat_well_within_the_staleness_limit():
    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == record_worker_heartbeat.name
    assert entry["schedule"] * 3 <= settings.WORKER_HEARTBEAT_STALE_SECONDS


@pytest.mark.django_db
def test_it_reports_the_worker_as_unknown_when_the_cache_is_down(client):
    with override_settings(CACHES=unreachable_cache()):
        status, body = health(client)
    assert status == 200
    assert body == {"db": "ok", "broker": "ok", "worker": "unknown"}


@pytest.fixture
def celery_worker_process():
    """A real Celery worker on the test Redis (the same broker and cache as this process)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vocapp.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "vocapp",
        "worker",
        "--pool=solo",
        "--loglevel=warning",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    process = subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.worker
@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_it_reports_ok_once_a_real_worker_ran_the_heartbeat(client, celery_worker_process):
    from django.core.cache import cache

    assert health(client)[1]["worker"] == "no heartbeat yet"
    # What beat does every 30 s: send the task through the broker (never run inline).
    celery_app.send_task(record_worker_heartbeat.name)
    deadline = time.monotonic() + 30
    while cache.get(HEARTBEAT_CACHE_KEY) is None:
        assert celery_worker_process.poll() is None, celery_worker_process.stderr.read().decode()
        assert time.monotonic() < deadline, "no worker ran the heartbeat within 30 s"
        time.sleep(0.1)
    status, body = health(client)
    assert (status, body) == (200, {"db": "ok", "broker": "ok", "worker": "ok"})
