"""``Authorization: Bearer vk_<prefix>_<secret>``: the organization comes from the key."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions

from vocapp.ratelimit import rate_limit
from vocapp.tenancy.models import ApiKey
from vocapp.tenancy.scope import enter_organization_scope

# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyPrincipal:
    """The request's ``user`` for API calls: the key acts, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.pk = None

    def __str__(self):
        return f"API key {self.api_key.name}"


def parse_key(raw: str) -> tuple[str, str] | None:
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "vk" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, raw = header.partition(" ")
        if keyword != self.keyword or not raw.strip():
            raise exceptions.AuthenticationFailed(
                "Send the key as 'Authorization: Bearer vk_<prefix>_<secret>'."
            )
        api_key = self.find_key(raw.strip())
        self.check_rate(api_key)
        self.touch(api_key)
        enter_organization_scope(api_key.organization)
        return ApiKeyPrincipal(api_key), api_key

    def find_key(self, raw: str) -> ApiKey:
        parsed = parse_key(raw)
        invalid = exceptions.AuthenticationFailed("Invalid API key.")
        if parsed is None:
            raise invalid
        prefix, secret = parsed
        api_key = (
            ApiKey.objects.unscoped().select_related("organization").filter(prefix=prefix).first()
        )
        if api_key is None or not api_key.secret_matches(secret):
            raise invalid
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        return api_key

    def check_rate(self, api_key: ApiKey) -> None:
        result = rate_limit(f"api-key:{api_key.pk}", limit=settings.API_KEY_RATE_LIMIT, window=60)
        if not result.allowed:
            raise exceptions.Throttled(wait=result.retry_after)

    def touch(self, api_key: ApiKey) -> None:
        now = timezone.now()
        if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_RESOLUTION:
            return
        ApiKey.objects.unscoped().filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
