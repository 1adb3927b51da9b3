"""The one fixed-window rate limit of every form, page and API limit, on a shared cache.

A window is a period of `period_seconds` counted from the epoch; each window has a counter of
its own (its number is part of the key). So a window really ends: neither accepted nor
refused hits move its end, whatever the cache does with expiry times on update (Django's file
and database caches implement `incr` as get-and-set, which restarts the entry's expiry; that
once let a steady stream of refused hits keep a limit closed for good, and can as well cut an
entry's life short, which `touch` undoes). The expiry only clears old counters away.

On the database cache an `incr` is a read and a write, so two processes counting the very same
moment may count one hit once: a limit may let a hit or two more through under exact
concurrency, never fewer. Redis counts atomically.

The counters live in the cache alias `CONSENTSERVE_RATELIMIT_CACHE` ("ratelimit"), which every
worker process shares: the database cache by default (table `consentserve_ratelimit`, made by
this app's migration), Redis when the deployment configures it. Where that alias is not
configured (a settings file with only a "default" cache), the default cache is used.

The client is identified by a keyed hash, so the cache never holds an IP address or an API
key's ID.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import caches

TABLE = "consentserve_ratelimit"


def _cache():
    alias = getattr(settings, "CONSENTSERVE_RATELIMIT_CACHE", "ratelimit")
    return caches[alias if alias in settings.CACHES else "default"]


def _key(scope: str, ident: str, window: int) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{ident}".encode()).hexdigest()
    return f"ratelimit:{scope}:{digest[:32]}:{window}"


def rate_limit_hit(*, scope: str, ident: str, limit: int, period_seconds: int) -> bool:
    """Count one action; False when this one is over the limit of the current window."""
    now = time.time()
    window = int(now // period_seconds)
    # Kept a little past the window's end, then the cache may drop it.
    timeout = int((window + 1) * period_seconds - now) + 1
    key = _key(scope, ident, window)
    cache = _cache()
    if cache.add(key, 1, timeout=timeout):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # dropped between add and incr: count anew
        cache.set(key, 1, timeout=timeout)
        return limit >= 1
    # The file and database caches' `incr` stores the counter again with the cache's default
    # timeout; put the window's end back, so the counter does not vanish within its window.
    cache.touch(key, timeout=timeout)
    return count <= limit


def retry_after(period_seconds: int) -> int:
    """Seconds until the current window ends (for a Retry-After header)."""
    return int(period_seconds - time.time() % period_seconds) + 1
