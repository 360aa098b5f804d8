"""Secrets kept encrypted at rest: ``EncryptedTextField`` (Fernet, from ``cryptography``).

Keys come from the setting ``FIELD_ENCRYPTION_KEYS``, a list of Fernet keys (made by
``Fernet.generate_key()``): the first encrypts, every one decrypts. To rotate, put a new key first,
save the rows again (each save encrypts with the first key), then drop the old key. Without the
setting, keys are derived from ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``, so that rotating
Django's own key the documented way keeps the stored secrets readable.

The ciphertext is random (a new IV each time): an encrypted column cannot be searched, so lookups
other than ``isnull`` are refused rather than silently never matching.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.utils.crypto import salted_hmac

DERIVATION_SALT = "vocapp.crypto.EncryptedTextField"


class DecryptionError(ValueError):
    """A stored value none of the configured keys can decrypt (a key was dropped or changed)."""


def derive_key(secret: str) -> bytes:
    """A Fernet key derived from a Django secret key (HMAC-SHA256, 32 bytes, base64)."""
    digest = salted_hmac(DERIVATION_SALT, "field-encryption", secret=secret, algorithm="sha256")
    return base64.urlsafe_b64encode(digest.digest())


def configured_keys() -> tuple[str | bytes, ...]:
    keys = getattr(settings, "FIELD_ENCRYPTION_KEYS", None)
    if keys:
        return tuple(keys)
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return tuple(derive_key(secret) for secret in secrets)


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str | bytes, ...]) -> MultiFernet:
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe base64 "
                "bytes, as made by cryptography.fernet.Fernet.generate_key())"
            ) from None
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    # Cached per key list: a settings override (tests, rotation) gets its own.
    return _fernet(configured_keys())


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionError(
            "An encrypted value cannot be decrypted with any key of FIELD_ENCRYPTION_KEYS (or the "
            "keys derived from SECRET_KEY and SECRET_KEY_FALLBACKS): the key that encrypted it was "
            "removed or changed. Put it back in FIELD_ENCRYPTION_KEYS, after the current key."
        ) from None


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; Python code only ever sees the plaintext.

    The empty string and None are stored as they are (nothing to hide), so ``blank`` and ``null``
    keep their usual meaning.
    """

    ALLOWED_LOOKUPS = {"isnull"}

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in self.ALLOWED_LOOKUPS:
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted with a random IV: it cannot be "
                f"filtered with '{lookup_name}'."
            )
        return super().get_lookup(lookup_name)
