"""Records sent twice. With a client time, the database's unique key (installation, consent
ID, client time) keeps one (the writer answers the second with 409). Without one (runtimes
that do not send `time` yet), the same consent ID, version, action and choices within
`WINDOW` seconds is taken for a resend; that is remembered in process only, so it holds per
worker process."""

import json
import time
from collections import OrderedDict

WINDOW = 10.0
MAX_ENTRIES = 50_000


class RecentDecisions:
    def __init__(self, window: float = WINDOW):
        self.window = window
        self._seen: OrderedDict[tuple, float] = OrderedDict()

    @staticmethod
    def key(installation_id: int, decision) -> tuple:
        choices = json.dumps([decision.categories, decision.services], sort_keys=True)
        return (installation_id, decision.consent_id, decision.version, decision.action, choices)

    def seen(self, key: tuple) -> bool:
        """Whether `key` was recorded within the window (remembering it when not)."""
        now = time.monotonic()
        while self._seen:  # oldest first
            oldest, at = next(iter(self._seen.items()))
            if now - at < self.window and len(self._seen) < MAX_ENTRIES:
                break
            del self._seen[oldest]
        if key in self._seen:
            return True
        self._seen[key] = now
        return False

    def forget(self, key: tuple) -> None:
        """A record that was not stored after all (queue full, failed commit) may come again."""
        self._seen.pop(key, None)
