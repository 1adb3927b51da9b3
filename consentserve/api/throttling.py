"""Requests per API key and minute, counted in the shared cache (core.ratelimit), so every
worker process counts against the same limit. Fixed windows of a minute: Retry-After says when
the current one ends."""

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from consentserve.core.ratelimit import rate_limit_hit, retry_after

WINDOW_SECONDS = 60
DEFAULT_RATE = 600  # requests per key and minute; CONSENTSERVE_API_RATE overrides, 0 = off


class PerKeyThrottle(BaseThrottle):
    # One instance serves every request and thread, so it keeps no state of its own.

    def allow_request(self, request: HttpRequest) -> bool:
        limit = getattr(settings, "CONSENTSERVE_API_RATE", DEFAULT_RATE)
        api_key = getattr(request, "auth", None)
        if not limit or api_key is None:
            return True
        return rate_limit_hit(  # its windows are the clock's minutes
            scope="api",
            ident=str(api_key.pk),
            limit=limit,
            period_seconds=WINDOW_SECONDS,
        )

    def wait(self) -> float | None:
        return retry_after(WINDOW_SECONDS)
