"""A fixed-window rate limit on the shared cache, for forms that make us send mail.

The client is identified by a keyed hash of its address, so the cache never holds an IP
address; counters vanish with their window.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(scope: str, ident: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{ident}".encode()).hexdigest()
    return f"ratelimit:{scope}:{digest[:32]}"


def rate_limit_hit(*, scope: str, ident: str, limit: int, period_seconds: int) -> bool:
    """Count one action; False when this one is over the limit of the current window."""
    key = _key(scope, ident)
    cache.add(key, 0, timeout=period_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ran out between add and incr
        cache.set(key, 1, timeout=period_seconds)
        count = 1
    return count <= limit
