"""Pacing: each sender sends at most its rate per second, counted in the shared cache.

The count lives in the cache every process shares (Redis, or the database cache of the embedded
default), so several workers together keep to the provider's pace. A message without a token is
not claimed: it stays scheduled for the next pass; nothing ever sleeps.
"""

from django.conf import settings

from vocapp.ratelimit import rate_limit, take_hits


def sender_key(channel: str, sender: str) -> str:
    return f"pace:{channel}:{sender}"


def rate_of(channel: str) -> int:
    return settings.SMS_SENDER_RATE if channel == "sms" else settings.EMAIL_SENDER_RATE


def take_token(channel: str, sender: str) -> bool:
    """One message's worth of the sender's current second, if any is left."""
    return rate_limit(sender_key(channel, sender), limit=rate_of(channel), window=1).allowed


def take_tokens(channel: str, sender: str, count: int) -> int:
    """Up to ``count`` of the sender's current second at once (a batch): how many it got."""
    granted, _count, _retry_after = take_hits(
        sender_key(channel, sender), count, limit=rate_of(channel), window=1
    )
    return granted
