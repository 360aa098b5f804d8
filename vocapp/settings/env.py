"""Typed reading of environment variables.

Every variable the product reads is declared here through ``Env``, with its type, default and a
sentence for the README; a malformed value stops the process at start-up with the variable's name
instead of surfacing later as a strange bug. ``DECLARED`` is what the README and the compose file
are checked against.
"""

import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Declared:
    name: str
    kind: str
    help: str
    default: object = None


# The last declaration wins: dev.py may give DEBUG another default than base.py.
DECLARED: dict[str, Declared] = {}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env:
    def __init__(self, environ=None):
        self.environ = os.environ if environ is None else environ

    def _raw(self, name, kind, help, default):
        DECLARED[name] = Declared(name, kind, help, default)
        return self.environ.get(name)

    def declare(self, name, default, *, kind, help):
        """A variable read outside the settings (Django's start-up, the Procfile's shell lines):
        declared so that the README and the compose file are checked against it too."""
        DECLARED[name] = Declared(name, kind, help, default)

    def str(self, name, default="", *, help):
        value = self._raw(name, "string", help, default)
        return default if value is None else value

    def int(self, name, default, *, help, minimum=None):
        value = self._raw(name, "integer", help, default)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
        return number

    def bool(self, name, default, *, help):
        value = self._raw(name, "boolean", help, default)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be true or false, got {value!r}")

    def list(self, name, default=(), *, help):
        value = self._raw(name, "comma-separated list", help, list(default))
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def url(self, name, default="", *, help, schemes):
        value = self.str(name, default, help=help)
        DECLARED[name] = Declared(name, "URL", help, default)
        if value and value.split("://", 1)[0] not in schemes:
            allowed = ", ".join(sorted(schemes))
            raise ImproperlyConfigured(
                f"{name} must be a URL with one of: {allowed}; got {value!r}"
            )
        return value
