"""Pacing: each sender sends at most its rate per second, counted in the shared cache.

The count lives in the cache every process shares (Redis, or the database cache of the embedded
default), so several workers together keep to the provider's pace. A message without a token is
not claimed: it stays scheduled for the next pass; nothing ever sleeps.
"""

from django.conf import settings

from vocapp.ratelimit import rate_limit


def sender_key(channel: str, sender: str) -> str:
    return f"pace:{channel}:{sender}"


def rate_of(channel: str) -> int:
    return settings.SMS_SENDER_RATE if channel == "sms" else settings.EMAIL_SENDER_RATE


def take_token(channel: str, sender: str) -> bool:
    """One message's worth of the sender's current second, if any is left."""
    return rate_limit(sender_key(channel, sender), limit=rate_of(channel), window=1).allowed
