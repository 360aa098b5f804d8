"""Fixed-window rate limits kept in the shared cache.

Web and worker processes share the cache, so a limit holds across processes. When the cache is
down the limit fails open (the request goes through) and says so in the log: a broken cache must
not take the product down with it.
"""

import logging
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse

logger = logging.getLogger("vocapp.ratelimit")


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    retry_after: int
    count: int


def rate_limit(key: str, *, limit: int, window: int) -> RateLimitResult:
    """Count one hit on ``key``; allowed while at most ``limit`` hits fall in the current window."""
    granted, count, retry_after = take_hits(key, 1, limit=limit, window=window)
    return RateLimitResult(allowed=granted == 1, retry_after=retry_after, count=count)


def take_hits(key: str, wanted: int, *, limit: int, window: int) -> tuple[int, int, int]:
    """Count ``wanted`` hits on ``key`` at once: how many fit under ``limit`` in the current
    window, the window's count and the seconds until it ends. One cache round trip."""
    now = time.time()
    window_start = int(now // window) * window
    retry_after = max(1, int(window_start + window - now) + 1)
    cache_key = f"ratelimit:{key}:{window}:{window_start}"
    try:
        cache.add(cache_key, 0, timeout=window + 5)
        count = cache.incr(cache_key, wanted)
    except Exception:
        logger.warning("rate limit %s not enforced: the cache is unavailable", key, exc_info=True)
        return wanted, 0, 0
    return max(0, min(wanted, limit - (count - wanted))), count, retry_after


def too_many_requests(retry_after: int) -> JsonResponse:
    response = JsonResponse(
        {
            "error": "throttled",
            "detail": f"Too many requests; try again in {retry_after} seconds.",
            "fields": {},
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(*, key, limit: int, window: int):
    """Decorate a view: ``key(request, **kwargs)`` names the counter (an IP, a token...)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            result = rate_limit(
                f"{view.__module__}.{view.__name__}:{key(request, **kwargs)}",
                limit=limit,
                window=window,
            )
            if not result.allowed:
                return too_many_requests(result.retry_after)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def client_ip(request) -> str:
    """The caller's address; behind the production proxy, the first X-Forwarded-For hop."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and settings.TRUST_X_FORWARDED_FOR:
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")
