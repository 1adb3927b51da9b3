"""The published data of installations, cached in process for the hot path.

Per public key the newest version and its domains are kept for `ttl` seconds (setting
CONSENTSERVE_COLLECTOR_CACHE_SECONDS, 5 by default); versions themselves never change and are
kept in a bounded LRU. A miss is loaded in a worker thread, once per key however many requests
wait for it. Bounds: a decision for a version newer than the cached newest reloads the key at
once (at most four times a second per key), so a publish is accepted immediately; a change of
domains, which takes a publish, applies after at most `ttl` seconds. Unknown keys are cached as
unknown for `ttl` too.
"""

import asyncio
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection

from . import selectors
from .contract import VersionFacts

MAX_SITES = 20_000
MAX_VERSIONS = 4096
RELOAD_SECONDS = 0.25
# One thread keeps one database connection for every load of the process.
_loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consent-cache")


async def load_in_thread(function, *args):
    return await asyncio.get_running_loop().run_in_executor(_loader, function, *args)


def loader_close() -> None:
    """Close the loader thread's database connection (tests, before the database goes)."""
    _loader.submit(lambda: connection.close()).result()  # the thread's own connection


@dataclass(frozen=True, slots=True)
class Site:
    installation_id: int
    newest: int
    domains: tuple[str, ...]
    loaded_at: float  # monotonic


class Published:
    def __init__(self, ttl: float):
        self.ttl = ttl
        self._sites: dict[str, tuple[float, Site | None]] = {}
        self._versions: OrderedDict[tuple[int, int], VersionFacts] = OrderedDict()
        self._pending: dict[str, asyncio.Future] = {}

    def clear(self) -> None:
        self._sites.clear()
        self._versions.clear()

    async def site(self, public_key: str, *, fresher_than: float | None = None) -> Site | None:
        now = time.monotonic()
        cached = self._sites.get(public_key)
        if cached is not None and cached[0] > now:
            site = cached[1]
            if fresher_than is None or (site is not None and site.loaded_at >= fresher_than):
                return site
        pending = self._pending.get(public_key)
        if pending is not None and pending.get_loop() is asyncio.get_running_loop():
            return await asyncio.shield(pending)
        future = asyncio.get_running_loop().create_future()
        self._pending[public_key] = future
        try:
            site = await self._load(public_key)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody else must
            raise
        else:
            future.set_result(site)
        finally:
            self._pending.pop(public_key, None)
        return site

    async def _load(self, public_key: str) -> Site | None:
        loaded = await load_in_thread(selectors.newest_version_facts, public_key)
        now = time.monotonic()
        site = None
        if loaded is not None:
            facts, domains = loaded
            site = Site(facts.installation_id, facts.number, domains, now)
            self._remember_version(facts)
        if len(self._sites) >= MAX_SITES:
            self._sites = {k: v for k, v in self._sites.items() if v[0] > now}
            if len(self._sites) >= MAX_SITES:
                self._sites.clear()
        self._sites[public_key] = (now + self.ttl, site)
        return site

    def _remember_version(self, facts: VersionFacts) -> None:
        self._versions[(facts.installation_id, facts.number)] = facts
        self._versions.move_to_end((facts.installation_id, facts.number))
        while len(self._versions) > MAX_VERSIONS:
            self._versions.popitem(last=False)

    async def version(self, public_key: str, site: Site, number: int) -> VersionFacts | None:
        """Version `number` of `site`; None when it has not been published."""
        if number > site.newest:
            # Perhaps published since the key was cached: look again, a few times a second at most.
            if time.monotonic() - site.loaded_at < RELOAD_SECONDS:
                return None
            site = await self.site(public_key, fresher_than=time.monotonic() - RELOAD_SECONDS)
            if site is None or number > site.newest:
                return None
        key = (site.installation_id, number)
        facts = self._versions.get(key)
        if facts is None:
            # Numbers have no gaps, so 1…newest all exist.
            facts = await load_in_thread(selectors.version_facts, *key)
            if facts is None:
                return None
            self._remember_version(facts)
        return facts
