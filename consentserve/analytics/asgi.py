"""`POST /a/<public_key>/event` as a raw ASGI route in front of the consent collector's and
Django (config/asgi.py), answered like the collector's hot path and with its helpers: the
client's address truncated first (T1), rate limit per truncated address, body size, content
type, JSON and fields (contract.py), installation with analytics, Origin; then the event is
queued for the group-commit writer and the request waits for its commit. Answers: 204 when
stored, otherwise the collector's JSON error body (README.md has the codes). Never a 500."""

import asyncio
import logging
import queue
import re
from urllib.parse import urlsplit

from django.conf import settings

from consentserve.collector import agents
from consentserve.collector.asgi import (
    PREFLIGHT_HEADERS,
    answer,
    answer_error,
    body_admitted,
    client_ip,
    origin_allowed,
    unstorable,
)
from consentserve.collector.errors import Rejected
from consentserve.collector.published import Published
from consentserve.collector.ratelimit import RateLimit
from consentserve.collector.rollups import device_class

from .contract import MAX_BODY, parse
from .sites import Switches
from .writer import REFUSED, STORED, Incoming, writer_get, writer_reset

log = logging.getLogger(__name__)

PATH = re.compile(r"\A/a/([A-Za-z0-9_-]{1,32})/event\Z")


class Ingest:
    """The state of one process: the installations' cache and the rate limit."""

    def __init__(self):
        self.published = Published(settings.CONSENTSERVE_COLLECTOR_CACHE_SECONDS)
        self.rate = RateLimit(settings.CONSENTSERVE_ANALYTICS_RATE)
        self.switches = Switches(settings.CONSENTSERVE_COLLECTOR_CACHE_SECONDS)

    async def __call__(self, scope, receive, send, public_key: str) -> None:
        method = scope["method"]
        headers = dict(scope["headers"])
        origin = headers.get(b"origin", b"").decode("latin-1")
        allowed_origin = None
        try:
            if method not in ("POST", "OPTIONS"):
                raise Rejected(405, "method_not_allowed", "Use POST (or OPTIONS for CORS).")
            ip = client_ip(scope)  # truncated before anything else happens with it
            if method == "OPTIONS":
                await self._site(public_key, origin)
                await answer(send, 204, origin, extra=PREFLIGHT_HEADERS)
                return
            body = await body_admitted(headers, receive, self.rate, ip, "events", MAX_BODY)
            event = parse(body)
            site = await self._site(public_key, origin)
            allowed_origin = origin
            user_agent = headers.get(b"user-agent", b"")[: agents.MAX_AGENT].decode("latin-1")
            browser, system = agents.families(user_agent)
            referrer = event.referrer
            if referrer and referrer == (urlsplit(origin).hostname or ""):
                referrer = ""  # the site itself is no referrer
            item = Incoming(
                installation_id=site.installation_id,
                ip=ip,
                user_agent=user_agent,
                kind=event.kind,
                path=event.path,
                referrer=referrer,
                screen=event.screen,
                language=event.language,
                browser=browser,
                os=system,
                device=device_class(browser, system),
            )
            try:
                future = writer_get().submit(item)
            except queue.Full:
                raise Rejected(
                    503, "busy", "Too many events at once; try again in a second.", retry_after=1
                ) from None
            outcome = await future
            if outcome == REFUSED:
                raise unstorable("event")
            if outcome != STORED:
                raise Rejected(503, "unavailable", "The event could not be stored.", retry_after=1)
            await answer(send, 204, allowed_origin)
        except Rejected as rejected:
            await answer_error(send, rejected, allowed_origin)
        except Exception as exc:  # noqa: BLE001 - never a 500 with a traceback
            log.error("analytics ingest: %s while handling a request", type(exc).__name__)
            await answer_error(
                send,
                Rejected(503, "unavailable", "The event could not be stored.", retry_after=1),
                allowed_origin,
            )

    async def _site(self, public_key: str, origin: str):
        site = await self.published.site(public_key)
        if site is None or not await self.switches.enabled(public_key, site.installation_id):
            raise Rejected(404, "unknown_installation", "No site with analytics has this key.")
        if not origin or not origin_allowed(site.domains, origin):
            raise Rejected(
                403, "origin_not_allowed", "The page's origin is not a domain of this site."
            )
        return site


def analytics_app(inner):
    """`inner` (the collector in front of Django) behind this route."""
    ingest = None

    async def application(scope, receive, send):
        nonlocal ingest
        if scope["type"] == "http":
            match = PATH.match(scope["path"])
            if match is not None:
                if ingest is None:
                    ingest = Ingest()
                await ingest(scope, receive, send, match[1])
                return
        elif scope["type"] == "lifespan":
            await inner(scope, _writing_on_shutdown(receive), send)
            return
        await inner(scope, receive, send)

    application.ingest = lambda: ingest
    return application


def _writing_on_shutdown(receive):
    """On shutdown, write what is queued before the inner application hears of it."""

    async def wrapped():
        message = await receive()
        if message["type"] == "lifespan.shutdown":
            await asyncio.to_thread(writer_reset)
        return message

    return wrapped
