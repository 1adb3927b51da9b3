"""Visitors counted without any identifier in the browser (issue 7).

visitor = HMAC-SHA256(salt of the day, truncated IP | user agent | installation | day), cut
to 16 hex digits. The salt is 32 random bytes made for each UTC day and deleted as soon as the
next day's is made, so the same browser gets another hash every day and nobody, the operator
included, can recompute a past day's hash from an IP address. The IP address is truncated (T1)
before it gets here; neither it nor the user agent is stored.

Used by the writer's thread only (database access); the salt of the current day is cached in
the process."""

import hashlib
import hmac
import secrets
import threading
from datetime import UTC, date, datetime, time

from django.db import IntegrityError, transaction

from .models import AnalyticsSalt, AnalyticsVisitor

HASH_DIGITS = 16

_cache: tuple[date, bytes] | None = None
_lock = threading.Lock()


def salt_for(day: date) -> bytes:
    """The salt of `day`, made when there is none; older salts are deleted on the way."""
    global _cache
    cached = _cache
    if cached is not None and cached[0] == day:
        return cached[1]
    with _lock:
        salt = _salt_load(day)
        _cache = (day, salt)
        return salt


def _salt_load(day: date) -> bytes:
    with transaction.atomic():
        AnalyticsSalt.objects.filter(day__lt=day).delete()
        # The last events of earlier days' hashes go with their salt.
        AnalyticsVisitor.objects.filter(
            last_at__lt=datetime.combine(day, time.min, tzinfo=UTC)
        ).delete()
        row = AnalyticsSalt.objects.filter(day=day).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = AnalyticsSalt.objects.create(day=day, salt=secrets.token_hex(32))
            except IntegrityError:  # another process made it first
                row = AnalyticsSalt.objects.get(day=day)
    return bytes.fromhex(row.salt)


def salt_forget() -> None:
    """Drop the cached salt (tests that travel in time or reset the database)."""
    global _cache
    _cache = None


def visitor_hash(salt: bytes, ip: str, user_agent: str, installation_id: int, day: date) -> str:
    message = f"{ip}\x00{user_agent}\x00{installation_id}\x00{day.isoformat()}".encode()
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:HASH_DIGITS]
