"""Decisions per truncated IP address: a token bucket per process, on the event loop's thread.

`rate` decisions a minute per /24 (IPv4) or /48 (IPv6), with bursts up to `rate`. The buckets
live in the worker process, so with N workers the effective limit is N × rate; several machines
would share counters in Redis instead (the same bucket, kept by the cache). Only truncated
addresses are kept, and a bucket that has filled up again is forgotten.
"""

import math
import time

MAX_BUCKETS = 100_000


class RateLimit:
    def __init__(self, rate_per_minute: int):
        self.capacity = float(rate_per_minute)
        self.refill = rate_per_minute / 60.0  # tokens per second
        self._buckets: dict[str, tuple[float, float]] = {}  # ip -> (tokens, at)

    def take(self, ip: str) -> float:
        """Take one token for `ip`: 0 when allowed, otherwise seconds until the next token."""
        if self.capacity <= 0:
            return 0.0
        now = time.monotonic()
        tokens, at = self._buckets.get(ip, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - at) * self.refill)
        if tokens < 1.0:
            self._buckets[ip] = (tokens, now)
            return (1.0 - tokens) / self.refill
        if len(self._buckets) >= MAX_BUCKETS:
            self._forget_full(now)
        self._buckets[ip] = (tokens - 1.0, now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        full_after = self.capacity / self.refill
        self._buckets = {
            ip: (tokens, at) for ip, (tokens, at) in self._buckets.items() if now - at < full_after
        }
        if len(self._buckets) >= MAX_BUCKETS:  # a flood of addresses: start afresh
            self._buckets.clear()

    @staticmethod
    def retry_after(seconds: float) -> int:
        return max(1, math.ceil(seconds))
