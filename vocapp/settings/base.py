"""Settings shared by every environment.

With no environment variable set, this is the embedded default: SQLite in WAL mode, kombu's
filesystem broker, the database cache and email to the console. Each variable switches one part
to the real service (see the README's table).
"""

from pathlib import Path

import environ

from .env import Env

env = Env()

# Read before the settings (by manage.py, wsgi.py, celery.py) or by the Procfile's shell lines.
env.declare(
    "DJANGO_SETTINGS_MODULE",
    "vocapp.settings.dev",
    kind="string",
    help="Which settings: vocapp.settings.dev (embedded default), vocapp.settings.prod or .test.",
)
env.declare("PORT", 8000, kind="integer", help="Port of the web process (Procfile, make run).")
env.declare("HOST", "127.0.0.1", kind="string", help="Address make run's web server listens on.")
env.declare("WEB_CONCURRENCY", 3, kind="integer", help="gunicorn worker processes (Procfile).")
env.declare("WORKER_CONCURRENCY", 4, kind="integer", help="Celery worker processes (Procfile).")

# Which kind of deployment this is; seed_demo refuses "production".
ENVIRONMENT = "development"

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(
    env.str(
        "VOC_DATA_DIR",
        str(BASE_DIR / "var"),
        help="Folder for the embedded database, broker queue, beat schedule and uploaded media.",
    )
)

EMBEDDED_SECRET_KEY = "embedded-default-not-secret"  # noqa: S105  (refused by prod.py)
SECRET_KEY = env.str(
    "SECRET_KEY",
    EMBEDDED_SECRET_KEY,
    help="Django's signing key; required in production.",
)
DEBUG = env.bool("DEBUG", False, help="Django debug pages; never in production.")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    ["localhost", "127.0.0.1", "[::1]"],
    help="Host names the web process answers to.",
)
PUBLIC_BASE_URL = env.url(
    "PUBLIC_BASE_URL",
    "http://127.0.0.1:8000",
    help="The address customers and providers reach (survey links, webhook signatures).",
    schemes={"http", "https"},
).rstrip("/")
CSRF_TRUSTED_ORIGINS = [PUBLIC_BASE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "anymail",
    "django_htmx",
    "csp",
    "vocapp.apps.VocappConfig",
    "vocapp.tenancy",
    "vocapp.contacts",
    "journeys",
    "surveys",
    "alerts",
    "roi",
]

MIDDLEWARE = [
    "vocapp.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "vocapp.tenancy.middleware.TenantScopeResetMiddleware",
]

ROOT_URLCONF = "vocapp.urls"
WSGI_APPLICATION = "vocapp.wsgi.application"
ASGI_APPLICATION = "vocapp.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vocapp.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = env.url(
    "DATABASE_URL",
    "",
    help="postgres://user:password@host:5432/name; empty means the embedded SQLite file.",
    schemes={"postgres", "postgresql", "sqlite"},
)
if DATABASE_URL:
    DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "vocapp.sqlite3",
            "OPTIONS": {
                # WAL lets the web, worker and beat processes read while one of them writes;
                # IMMEDIATE takes the write lock up front so concurrent writers wait (busy timeout)
                # instead of failing half-way through a transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "DB_CONN_MAX_AGE", 60, help="Seconds a database connection is kept open.", minimum=0
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache ------------------------------------------------------------------
REDIS_URL = env.url(
    "REDIS_URL",
    "",
    help="redis://host:6379/0 for the Celery broker and the shared cache; empty means embedded.",
    schemes={"redis", "rediss"},
)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Web and worker are separate processes: the database cache lets them share rate-limit and
    # pacing counters without a server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "vocapp_cache",
        }
    }

CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_DIR = DATA_DIR / "broker"
if not REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "vocapp.tasks.record_worker_heartbeat", "schedule": 30.0},
    "purge-audit-events": {
        "task": "vocapp.tenancy.tasks.purge_old_audit_events",
        "schedule": 86400.0,
    },
    "resume-stalled-imports": {
        "task": "vocapp.contacts.tasks.resume_stalled_imports",
        "schedule": 60.0,
    },
    "purge-expired-data": {"task": "vocapp.contacts.tasks.purge_expired_data", "schedule": 86400.0},
    "start-due-campaigns": {"task": "surveys.tasks.start_due_campaigns", "schedule": 60.0},
    # Hot surveys are also nudged at commit; this pass sends what came due since.
    "dispatch-due-invitations": {
        "task": "surveys.tasks.dispatch_due_invitations",
        "schedule": 10.0,
    },
    "sweep-sending-messages": {"task": "surveys.tasks.sweep_sending_messages", "schedule": 60.0},
    "schedule-reminders": {"task": "surveys.tasks.schedule_reminders", "schedule": 300.0},
    # The dashboards' rollups: the days whose answers or invitations changed, fresh within 1 min.
    "refresh-rollups": {"task": "surveys.tasks.refresh_rollups", "schedule": 30.0},
}

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tenancy:pick_organization"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# plotly.js is served from the installed plotly package (static/vendor/plotly/plotly.min.js).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "vocapp.vendor_static.VendorFileFinder",
]
MEDIA_ROOT = Path(
    env.str("MEDIA_ROOT", str(DATA_DIR / "media"), help="Uploaded files (logos, imports).")
)
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Requests ---------------------------------------------------------------------------------
# Bodies above this answer 413 before they are read (RequestBodyLimitMiddleware).
MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
IMPORT_UPLOAD_MAX_BYTES = env.int(
    "IMPORT_UPLOAD_MAX_BYTES",
    500 * 1024 * 1024,
    help="Largest CSV file accepted by the import page, in bytes.",
    minimum=1024,
)
LARGE_UPLOAD_PATHS = [r"^/o/[^/]+/imports/$"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend",
    help="Django email backend, e.g. anymail.backends.postmark.EmailBackend.",
)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", "surveys@localhost", help="Sender address of emails."
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    "POSTMARK_SERVER_TOKEN": env.str(
        "POSTMARK_SERVER_TOKEN", help="Postmark server token (with the Postmark backend)."
    ),
    "MAILGUN_API_KEY": env.str(
        "MAILGUN_API_KEY", help="Mailgun API key (with the Mailgun backend)."
    ),
    "MAILGUN_SENDER_DOMAIN": env.str("MAILGUN_SENDER_DOMAIN", help="Mailgun sending domain."),
    "SENDGRID_API_KEY": env.str("SENDGRID_API_KEY", help="SendGrid API key (SendGrid backend)."),
    "WEBHOOK_SECRET": env.str(
        "ANYMAIL_WEBHOOK_SECRET",
        help="user:password the ESP uses to call the tracking and inbound webhooks.",
    ),
}

# --- SMS --------------------------------------------------------------------------------------
SMS_BACKEND = env.str(
    "SMS_BACKEND",
    "vocapp.messaging.sms.ConsoleBackend",
    help="SMS backend: vocapp.messaging.sms.TwilioBackend, or ConsoleBackend (prints them).",
)
TWILIO_ACCOUNT_SID = env.str(
    "TWILIO_ACCOUNT_SID", help="The platform's Twilio account SID (shared sender numbers)."
)
TWILIO_AUTH_TOKEN = env.str(
    "TWILIO_AUTH_TOKEN", help="Auth token of that account; also checks its status callbacks."
)
TWILIO_API_BASE_URL = env.url(
    "TWILIO_API_BASE_URL",
    "https://api.twilio.com",
    help="Where the Twilio SDK's requests go (a local fake API in tests and benchmarks).",
    schemes={"http", "https"},
).rstrip("/")

FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS",
    help="Fernet keys for secrets kept in the database (Twilio tokens): the first encrypts, all "
    "decrypt. Empty: derived from SECRET_KEY.",
)

# --- Dispatch ---------------------------------------------------------------------------------
DISPATCH_BATCH = env.int(
    "DISPATCH_BATCH", 200, help="Invitations claimed per dispatch batch.", minimum=1
)
DISPATCH_PER_ORGANIZATION = env.int(
    "DISPATCH_PER_ORGANIZATION",
    50,
    help="At most this many of one organization's invitations in a batch (fairness).",
    minimum=1,
)
SMS_SENDER_RATE = env.int(
    "SMS_SENDER_RATE", 10, help="SMS per second from one sender number (pacing).", minimum=1
)
EMAIL_SENDER_RATE = env.int(
    "EMAIL_SENDER_RATE", 50, help="Emails per second through the email provider.", minimum=1
)

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", "INFO", help="Level of the application logs (DEBUG, INFO, ...).")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"vocapp": {"level": LOG_LEVEL}},
}

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["vocapp.tenancy.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["vocapp.tenancy.api.permissions.HasApiKeyScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "vocapp.api.pagination.Pagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "vocapp.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Voice of the customer API",
    "DESCRIPTION": "Journeys, listening, answers, follow-up and ROI. "
    "Authenticate with `Authorization: Bearer vk_<prefix>_<secret>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
TRUST_X_FORWARDED_FOR = env.bool(
    "TRUST_X_FORWARDED_FOR",
    False,
    help="Take the client address from X-Forwarded-For (only behind your own proxy).",
)
API_KEY_RATE_LIMIT = env.int(
    "API_KEY_RATE_LIMIT", 600, help="Requests per minute allowed to one API key.", minimum=1
)

# --- Security headers -------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # plotly and Swagger UI set inline style attributes; scripts stay 'self' only.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Product ----------------------------------------------------------------------------------
AUDIT_RETENTION_DAYS = env.int(
    "AUDIT_RETENTION_DAYS", 730, help="Days audit events are kept.", minimum=30
)
WORKER_HEARTBEAT_STALE_SECONDS = 120
