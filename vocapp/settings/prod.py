"""Production: every service is named by the environment; a missing one stops start-up."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    DATABASE_URL,
    EMBEDDED_SECRET_KEY,
    PUBLIC_BASE_URL,
    REDIS_URL,
    SECRET_KEY,
    env,
)

for name, value in {
    "SECRET_KEY": SECRET_KEY != EMBEDDED_SECRET_KEY and SECRET_KEY,
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
}.items():
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production.")

DEBUG = False
SESSION_COOKIE_SECURE = PUBLIC_BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int(
    "SECURE_HSTS_SECONDS",
    0,
    help="HSTS max-age once the site is served over HTTPS only.",
    minimum=0,
)
SECURE_SSL_REDIRECT = env.bool(
    "SECURE_SSL_REDIRECT", False, help="Redirect plain HTTP to HTTPS (behind a TLS proxy)."
)
# Health checks (the compose file's, a load balancer's) call the container over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

ENVIRONMENT = "production"
