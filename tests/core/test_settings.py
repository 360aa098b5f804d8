"""Typed environment settings: a malformed value stops start-up naming the variable; production
refuses to start without its services; the embedded default needs no server."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PRODUCTION = {
    "SECRET_KEY": "a-real-secret",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/vocapp",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def start(settings_module, tmp_path, code="print('started')", **variables):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": settings_module,
        "VOC_DATA_DIR": str(tmp_path),
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("DEBUG", "maybe", "DEBUG must be true or false, got 'maybe'"),
        ("DB_CONN_MAX_AGE", "sixty", "DB_CONN_MAX_AGE must be a whole number, got 'sixty'"),
        ("DB_CONN_MAX_AGE", "-1", "DB_CONN_MAX_AGE must be at least 0"),
        ("DATABASE_URL", "mysql://db/vocapp", "DATABASE_URL must be a URL with one of"),
        ("PUBLIC_BASE_URL", "ftp://example.com", "PUBLIC_BASE_URL must be a URL with one of"),
        ("API_KEY_RATE_LIMIT", "0", "API_KEY_RATE_LIMIT must be at least 1"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(tmp_path, name, value, says):
    result = start("vocapp.settings.dev", tmp_path, **{name: value})
    assert result.returncode != 0
    assert says in result.stderr


@pytest.mark.parametrize("missing", sorted(PRODUCTION))
def test_production_refuses_to_start_without_its_services(tmp_path, missing):
    variables = {name: value for name, value in PRODUCTION.items() if name != missing}
    result = start("vocapp.settings.prod", tmp_path, **variables)
    assert result.returncode != 0
    assert f"{missing} must be set in production." in result.stderr


def test_production_starts_with_its_services_named(tmp_path):
    result = start("vocapp.settings.prod", tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_the_embedded_default_needs_no_server(tmp_path):
    code = (
        "from django.conf import settings as s; from django.db import connection as c; "
        "c.ensure_connection(); "
        "print(s.DATABASES['default']['ENGINE'], c.cursor().execute('PRAGMA journal_mode')"
        ".fetchone()[0], s.DATABASES['default']['OPTIONS']['timeout'], s.CELERY_BROKER_URL, "
        "s.CACHES['default']['BACKEND'], s.EMAIL_BACKEND)"
    )
    result = start("vocapp.settings.dev", tmp_path, code=code)
    assert result.returncode == 0, result.stderr
    engine, journal, timeout, broker, cache, email = result.stdout.split()
    assert engine == "django.db.backends.sqlite3" and journal == "wal" and float(timeout) >= 5
    assert broker == "filesystem://"
    assert cache == "django.core.cache.backends.db.DatabaseCache"
    assert email == "django.core.mail.backends.console.EmailBackend"
    assert (tmp_path / "vocapp.sqlite3").exists()
