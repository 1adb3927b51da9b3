"""Authentication of API requests by an organisation's key, in either of two headers:
`Authorization: Bearer cs_…` or `X-API-Key: cs_…`.

A missing, unknown or revoked key gets the same 401: the answer does not tell whether a key
ever existed. `request.auth` is the ApiKey; every route scopes by its organisation."""

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBearer

from .keys import looks_like_secret, secret_digest
from .models import ApiKey

# last_used_at is for the portal's list, where a minute is precise enough; without the bound
# every read would also be a write.
LAST_USED_PRECISION = timedelta(minutes=1)


def api_key_for_secret(secret: str | None) -> ApiKey | None:
    if not secret or not looks_like_secret(secret):
        return None
    api_key = (
        ApiKey.objects.select_related("organisation")
        .filter(secret_sha256=secret_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or api_key.last_used_at <= now - LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


class BearerKey(HttpBearer):
    openapi_description = "An API key of the organisation: `Authorization: Bearer cs_…`."

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return api_key_for_secret(token.strip())


class HeaderKey(APIKeyHeader):
    param_name = "X-API-Key"
    openapi_description = "An API key of the organisation: `X-API-Key: cs_…`."

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        return api_key_for_secret((key or "").strip())


api_key_auth = [BearerKey(), HeaderKey()]
