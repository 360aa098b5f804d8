"""Typed environment settings, as a process starts with them.

A malformed value stops start-up with a message naming the variable; production refuses to start
without its services; with nothing set, the embedded default needs no server; and each service
variable switches its part to the real service.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PRODUCTION = {
    "SECRET_KEY": "a-real-secret-for-this-test",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/vocapp",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
ERROR_PREFIX = "django.core.exceptions.ImproperlyConfigured: "


def start(settings_module, data_dir, code="print('started')", **variables):
    """``django.setup()`` in a fresh interpreter with only these variables (and PATH) set."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": settings_module,
        "VOC_DATA_DIR": str(data_dir),
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def error_line(result) -> str:
    """The line a person reads first: the last one of the traceback."""
    assert result.returncode != 0, f"started despite the bad value:\n{result.stdout}"
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be true or false, got 'maybe'"),
        ("TRUST_X_FORWARDED_FOR", "si", "TRUST_X_FORWARDED_FOR must be true or false, got 'si'"),
        ("DB_CONN_MAX_AGE", "sixty", "DB_CONN_MAX_AGE must be a whole number, got 'sixty'"),
        ("IMPORT_UPLOAD_MAX_BYTES", "5e8", "IMPORT_UPLOAD_MAX_BYTES must be a whole number"),
        ("AUDIT_RETENTION_DAYS", "7", "AUDIT_RETENTION_DAYS must be at least 30, got 7"),
        ("DATABASE_URL", "mysql://db/vocapp", "DATABASE_URL must be a URL with one of: postgres"),
        ("REDIS_URL", "http://127.0.0.1:6379/0", "REDIS_URL must be a URL with one of: redis"),
        ("PUBLIC_BASE_URL", "voice.example.com", "PUBLIC_BASE_URL must be a URL with one of"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(tmp_path, name, value, message):
    result = start("vocapp.settings.dev", tmp_path, **{name: value})
    assert error_line(result).startswith(ERROR_PREFIX + message), result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECURE_HSTS_SECONDS", "1y", "SECURE_HSTS_SECONDS must be a whole number, got '1y'"),
        ("SECURE_SSL_REDIRECT", "always", "SECURE_SSL_REDIRECT must be true or false"),
    ],
)
def test_production_variables_are_typed_too(tmp_path, name, value, message):
    result = start("vocapp.settings.prod", tmp_path, **PRODUCTION, **{name: value})
    assert error_line(result).startswith(ERROR_PREFIX + message), result.stderr


@pytest.mark.parametrize("missing", sorted(PRODUCTION))
def test_production_refuses_to_start_without_its_services(tmp_path, missing):
    variables = {name: value for name, value in PRODUCTION.items() if name != missing}
    result = start("vocapp.settings.prod", tmp_path, **variables)
    assert error_line(result) == f"{ERROR_PREFIX}{missing} must be set in production."


def test_production_refuses_the_embedded_secret_key(tmp_path):
    result = start(
        "vocapp.settings.prod",
        tmp_path,
        **{**PRODUCTION, "SECRET_KEY": settings.EMBEDDED_SECRET_KEY},
    )
    assert error_line(result) == f"{ERROR_PREFIX}SECRET_KEY must be set in production."


def test_production_starts_with_its_services_named_and_debug_off(tmp_path):
    code = "from django.conf import settings as s; print(s.DEBUG, s.ENVIRONMENT)"
    result = start("vocapp.settings.prod", tmp_path, code=code, **PRODUCTION, DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "production"]


EMBEDDED_REPORT = """
import json
from django.conf import settings as s
from django.db import connection
with connection.cursor() as cursor:
    journal = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    busy_ms = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "database": str(s.DATABASES["default"]["NAME"]),
    "journal": journal,
    "busy_ms": busy_ms,
    "transaction_mode": s.DATABASES["default"]["OPTIONS"].get("transaction_mode"),
    "broker": s.CELERY_BROKER_URL,
    "broker_options": s.CELERY_BROKER_TRANSPORT_OPTIONS,
    "cache": s.CACHES["default"]["BACKEND"],
    "email": s.EMAIL_BACKEND,
    "debug": s.DEBUG,
    "media": str(s.MEDIA_ROOT),
}))
"""


def embedded_report(tmp_path, **variables) -> dict:
    result = start("vocapp.settings.dev", tmp_path, code=f"exec({EMBEDDED_REPORT!r})", **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_embedded_default_needs_no_server(tmp_path):
    report = embedded_report(tmp_path)

    # SQLite under VOC_DATA_DIR, in WAL mode, waiting for a busy writer instead of failing.
    assert report["engine"] == "django.db.backends.sqlite3"
    assert report["database"] == str(tmp_path / "vocapp.sqlite3")
    assert (tmp_path / "vocapp.sqlite3").exists()
    assert report["journal"] == "wal"
    assert report["busy_ms"] >= 5000
    assert report["transaction_mode"] == "IMMEDIATE"

    # kombu's filesystem broker, its folders created under VOC_DATA_DIR by the Celery app.
    assert report["broker"] == "filesystem://"
    queue = Path(report["broker_options"]["data_folder_in"])
    assert queue.is_relative_to(tmp_path) and queue.is_dir()
    assert Path(report["broker_options"]["control_folder"]).is_dir()

    # The database cache (shared by web and worker), email to the console, debug pages on.
    assert report["cache"] == "django.core.cache.backends.db.DatabaseCache"
    assert report["email"] == "django.core.mail.backends.console.EmailBackend"
    assert report["debug"] is True
    assert report["media"] == str(tmp_path / "media")


def test_each_service_variable_switches_its_part_to_the_real_service(tmp_path):
    result = start(
        "vocapp.settings.dev",
        tmp_path,
        code=(
            "from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], "
            "s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND'], s.EMAIL_BACKEND)"
        ),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/vocapp",
        REDIS_URL="redis://127.0.0.1:6379/3",
        EMAIL_BACKEND="anymail.backends.postmark.EmailBackend",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "vocapp",
        "redis://127.0.0.1:6379/3",
        "django.core.cache.backends.redis.RedisCache",
        "anymail.backends.postmark.EmailBackend",
    ]
    # No filesystem broker folders when Redis is the broker.
    assert not (tmp_path / "broker").exists()
