"""A real Celery worker for tests marked ``worker``: ``celery -A vocapp worker`` in a subprocess.

The worker runs the test settings against the same PostgreSQL test database (pytest-django's
``test_<name>``) and the same Redis as the test process, with tasks going through the broker
(``CELERY_TASK_ALWAYS_EAGER=0``). Tests that use it need ``transactional_db``: the worker only
sees committed rows.

    def test_something(real_worker):
        worker = real_worker()          # started and ready
        some_task.delay(...)            # sent through Redis, run by the worker
        worker.kill()                   # SIGKILL, as a crash or an OOM killer would

The ``real_worker`` fixture makes the test process send tasks to the broker instead of running
them inline, and stops every worker it started (by its own pid) before the database is flushed.
Import it in a folder's conftest.py: ``from tests.workers import real_worker  # noqa: F401``.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60


def test_database_url() -> str:
    """The URL of the database this test process uses (the test database, once created)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("The real-worker tests need the PostgreSQL test database.")
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{connection.settings_dict['NAME']}"


def worker_environment(data_dir: Path | None = None, extra: dict | None = None) -> dict:
    env = dict(os.environ, **(extra or {}))
    env.update(
        DJANGO_SETTINGS_MODULE="vocapp.settings.test",
        TEST_DATABASE_URL=test_database_url(),
        TEST_REDIS_URL=settings.REDIS_URL,
        CELERY_TASK_ALWAYS_EAGER="0",
        PYTHONUNBUFFERED="1",
    )
    if data_dir is not None:
        # Uploaded files (imports) live under the data folder: share it with the test process.
        env["VOC_DATA_DIR"] = str(data_dir)
    return env


class WorkerProcess:
    """One ``celery -A vocapp worker`` subprocess (solo pool: the task runs in this very pid)."""

    def __init__(
        self, *, data_dir: Path | None = None, queues: str | None = None, env: dict | None = None
    ):
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "vocapp",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            self.name,
        ]
        if queues:
            command += ["-Q", queues]
        self.lines: list[str] = []
        self._ready = threading.Event()
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=worker_environment(data_dir, env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def _read_output(self):
        for line in self.process.stdout:
            self.lines.append(line)
            if " ready." in line:
                self._ready.set()

    def wait_until_ready(self, timeout: float = READY_TIMEOUT) -> "WorkerProcess":
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            if self.process.poll() is not None:
                raise RuntimeError(f"The worker exited before it was ready:\n{self.output}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"The worker was not ready after {timeout} s:\n{self.output}")
        return self

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, the open transaction is lost."""
        if self.is_alive():
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reader.join(timeout=5)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (warm shutdown), then SIGKILL if it does not exit in time."""
        if self.is_alive():
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        self.kill()


@contextlib.contextmanager
def tasks_sent_to_broker():
    """Make ``.delay()`` in this process publish to Redis instead of running the task inline."""
    from vocapp.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        app.conf.task_always_eager = previous


@contextlib.contextmanager
def running_worker(**options):
    """A started and ready worker, stopped on exit."""
    worker = WorkerProcess(**options)
    try:
        yield worker.wait_until_ready()
    finally:
        worker.stop()


@pytest.fixture
def real_worker(transactional_db):
    """A factory of ready workers; tasks go through the broker while the test runs."""
    started: list[WorkerProcess] = []

    def start(**options) -> WorkerProcess:
        worker = WorkerProcess(**options)
        started.append(worker)
        return worker.wait_until_ready()

    with tasks_sent_to_broker():
        try:
            yield start
        finally:
            for worker in started:
                worker.stop()


def wait_for(condition, *, timeout: float = 60, interval: float = 0.05, message: str = ""):
    """Poll ``condition()`` until it returns a truthy value; return it (fail after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting for {message or condition}")
        time.sleep(interval)
