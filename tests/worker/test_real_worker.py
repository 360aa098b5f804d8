"""A real ``celery -A vocapp worker`` on Redis: tasks sent through the broker run on it, and its
heartbeat makes /healthz report the worker as ok."""

import pytest
from celery.result import EagerResult

from tests.workers import wait_for
from vocapp.tasks import record_worker_heartbeat

pytestmark = pytest.mark.worker


def health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    return response.json()


def test_it_runs_a_task_sent_through_redis_and_reports_the_worker_ok(real_worker, client):
    assert health(client) == {"db": "ok", "broker": "ok", "worker": "no heartbeat yet"}
    worker = real_worker()
    result = record_worker_heartbeat.delay()
    # Published to Redis, not run here: only the worker can record the heartbeat.
    assert not isinstance(result, EagerResult)
    report = wait_for(
        lambda: (body := health(client))["worker"] == "ok" and body,
        timeout=30,
        message="the worker's heartbeat on /healthz",
    )
    assert report == {"db": "ok", "broker": "ok", "worker": "ok"}
    assert f"vocapp.tasks.record_worker_heartbeat[{result.id}] succeeded" in worker.output
    assert worker.is_alive()
