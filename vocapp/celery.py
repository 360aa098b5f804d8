"""The Celery app shared by the worker and beat.

Embedded default: kombu's filesystem transport, whose folders must exist before either process
starts. Queues per purpose keep a tenant's bulk work from delaying hot messages.
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vocapp.settings.dev")

app = Celery("vocapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_filesystem_broker_folders(options):
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


if app.conf.broker_url.startswith("filesystem://"):
    ensure_filesystem_broker_folders(app.conf.broker_transport_options or {})
