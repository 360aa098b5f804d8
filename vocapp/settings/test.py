"""The test run: real PostgreSQL and Redis on 127.0.0.1 (see scripts/ensure-services)."""

import environ

from .base import *  # noqa: F403
from .base import CELERY_BEAT_SCHEDULE, DATA_DIR, STATIC_ROOT, env

DATABASE_URL = env.url(
    "TEST_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/vocapp",
    help="PostgreSQL server the tests create their database on.",
    schemes={"postgres", "postgresql", "sqlite"},
)
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = 0

REDIS_URL = env.url(
    "TEST_REDIS_URL",
    "redis://127.0.0.1:6379/13",
    help="Redis the tests use as broker and cache.",
    schemes={"redis", "rediss"},
)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "test",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Unit tests run tasks inline; tests marked `worker` start a real worker on Redis instead.
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", True, help="Run tasks inline (tests only)."
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE = CELERY_BEAT_SCHEDULE

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A real worker's tests point it at the local fake Twilio API instead (tests/workers.py).
SMS_BACKEND = env.str(
    "TEST_SMS_BACKEND", "vocapp.messaging.sms.LocMemBackend", help="SMS backend (tests only)."
)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "test-media"
DEBUG = False

ENVIRONMENT = "test"

# Browser tests are served by the live server without collectstatic: find static files in place.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
