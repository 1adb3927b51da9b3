"""Which installations take analytics events: the operator's own website and portal (the
operator installation while settings CONSENTSERVE_ANALYTICS_OPERATOR is on) and every customer
installation whose switch `Installation.analytics_enabled` is on (portal, installation
settings). The ingest asks `Switches`, which caches the switch per key like the collector caches
published installations, so turning it off takes effect within the same few seconds."""

import time

from django.conf import settings

from consentserve.collector.published import load_in_thread
from consentserve.installations.facade import analytics_switched_on

MAX_KEYS = 20_000


def operator_enabled(public_key: str) -> bool:
    operator = settings.CONSENTSERVE_OPERATOR_INSTALLATION
    return bool(operator) and public_key == operator and settings.CONSENTSERVE_ANALYTICS_OPERATOR


def switched_on(installation_id: int) -> bool:
    return analytics_switched_on(installation_id)


class Switches:
    """The switch per installation, cached for `ttl` seconds (one process)."""

    def __init__(self, ttl: float):
        self.ttl = ttl
        self._cache: dict[int, tuple[float, bool]] = {}

    async def enabled(self, public_key: str, installation_id: int) -> bool:
        if operator_enabled(public_key):
            return True
        now = time.monotonic()
        cached = self._cache.get(installation_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        # The collector's loader thread: one database connection for all loads of the process.
        on = await load_in_thread(switched_on, installation_id)
        if len(self._cache) >= MAX_KEYS:
            self._cache.clear()
        self._cache[installation_id] = (now + self.ttl, on)
        return on
