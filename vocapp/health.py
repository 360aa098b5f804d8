"""``/healthz``: 503 only when the database is down; the broker and worker are reported."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

HEARTBEAT_CACHE_KEY = "vocapp:worker-heartbeat"
# A probe must answer quickly even when the broker accepts connections but never replies.
BROKER_TIMEOUT_SECONDS = 2


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "down"
    return "ok"


def broker_state() -> str:
    from vocapp.celery import app

    try:
        with app.connection_for_write(
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            transport_options={
                "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
                "socket_timeout": BROKER_TIMEOUT_SECONDS,
            },
        ) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
            )
    except Exception:
        return "down"
    return "ok"


def worker_state() -> str:
    """'ok' when beat and a worker recorded a heartbeat recently (see vocapp.tasks)."""
    try:
        beat = cache.get(HEARTBEAT_CACHE_KEY)
    except Exception:
        return "unknown"
    if beat is None:
        return "no heartbeat yet"
    if time.time() - beat > settings.WORKER_HEARTBEAT_STALE_SECONDS:
        return "stale"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    report = {"db": database_state(), "broker": broker_state(), "worker": worker_state()}
    return JsonResponse(report, status=503 if report["db"] != "ok" else 200)
