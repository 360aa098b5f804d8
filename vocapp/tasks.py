import time

from celery import shared_task
from django.core.cache import cache

from vocapp.health import HEARTBEAT_CACHE_KEY


@shared_task(ignore_result=True, expires=60)
def record_worker_heartbeat():
    """Run by beat every 30 s: its arrival proves both beat and a worker are alive."""
    cache.set(HEARTBEAT_CACHE_KEY, time.time(), timeout=24 * 3600)
