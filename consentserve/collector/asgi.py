"""`POST /c/<public_key>/consent` as a raw ASGI application in front of Django (DESIGN.md, the
hot path): no middleware, no sessions, no cookies read or set, no synchronous ORM on the event
loop. `collector_app(django_app)` answers `POST` and `OPTIONS` of that path and hands every
other request, `GET /c/<key>.js` included, to Django unchanged.

Order of the checks: method, rate limit per truncated IP, size, content type, JSON and field
types, installation, Origin, version and what it showed; then the record is queued for the
group-commit writer and the request waits for its commit (README.md has the error codes).
"""

import asyncio
import gc
import json
import logging
import queue
import re
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

from consentserve.installations.facade import origin_allowed as domains_allow
from consentserve.privacy.ip import InvalidIPAddress, truncate_ip

from . import agents
from .contract import MAX_BODY, decision_check, decision_parse
from .dedupe import RecentDecisions
from .errors import Rejected
from .published import Published
from .ratelimit import RateLimit
from .writer import DUPLICATE, REFUSED, STORED, writer_get

log = logging.getLogger(__name__)

_PATH = re.compile(r"\A/c/([A-Za-z0-9_-]{1,32})/consent\Z")
# Dotted-quad IPv4 with decimal octets 0-255 without leading zeros, as servers print peers;
# the group is the /24 network's first three octets.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4 = re.compile(rf"\A({_OCTET}\.{_OCTET}\.{_OCTET})\.{_OCTET}\Z")
_LOOPBACK = frozenset({"localhost", "127.0.0.1"})
_CONTENT_TYPES = (b"text/plain", b"application/json")
_BASE_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"vary", b"Origin"),
]
PREFLIGHT_HEADERS = [
    (b"access-control-allow-methods", b"POST"),
    (b"access-control-allow-headers", b"Content-Type"),
    (b"access-control-max-age", b"86400"),
]


class Collector:
    """The state of one process: caches, rate limit, recent decisions."""

    def __init__(self):
        self.published = Published(settings.CONSENTSERVE_COLLECTOR_CACHE_SECONDS)
        self.rate = RateLimit(settings.CONSENTSERVE_COLLECTOR_RATE)
        self.recent = RecentDecisions()
        _freeze_heap()

    async def __call__(self, scope, receive, send, public_key: str) -> None:
        method = scope["method"]
        headers = dict(scope["headers"])  # lower-case names; a repeated header: the last one
        origin = headers.get(b"origin", b"").decode("latin-1")
        allowed_origin = None  # echoed in Access-Control-Allow-Origin once the check passed
        try:
            if method not in ("POST", "OPTIONS"):
                raise Rejected(405, "method_not_allowed", "Use POST (or OPTIONS for CORS).")
            ip = client_ip(scope)
            if method == "OPTIONS":
                await self._site_and_origin(public_key, origin)
                allowed_origin = origin
                await answer(send, 204, allowed_origin, extra=PREFLIGHT_HEADERS)
                return
            body = await body_admitted(headers, receive, self.rate, ip, "decisions")
            decision = decision_parse(body)
            site = await self._site_and_origin(public_key, origin)
            allowed_origin = origin
            version = await self.published.version(public_key, site, decision.version)
            if version is None:
                raise Rejected(
                    404, "unknown_version", "This version of the banner has not been published."
                )
            decision_check(decision, version)
            status = await self._record(scope, headers, ip, origin, site, version, decision)
            await answer(send, status, allowed_origin)
        except Rejected as rejected:
            await answer_error(send, rejected, allowed_origin)
        except Exception as exc:  # noqa: BLE001 - never a 500 with a traceback
            log.error("consent collector: %s while handling a request", type(exc).__name__)
            await answer_error(
                send,
                Rejected(503, "unavailable", "The decision could not be recorded.", retry_after=1),
                allowed_origin,
            )

    async def _site_and_origin(self, public_key: str, origin: str):
        site = await self.published.site(public_key)
        if site is None:
            raise Rejected(404, "unknown_installation", "No published banner has this key.")
        if not origin or not origin_allowed(site.domains, origin):
            raise Rejected(
                403, "origin_not_allowed", "The page's origin is not a domain of this banner."
            )
        return site

    async def _record(self, scope, headers, ip, origin, site, version, decision) -> int:
        recent_key = None
        if decision.time is None:
            recent_key = RecentDecisions.key(site.installation_id, decision)
            if self.recent.seen(recent_key):
                raise _duplicate()
        user_agent = headers.get(b"user-agent", b"")[: agents.MAX_AGENT].decode("latin-1")
        browser, system = agents.families(user_agent)
        row = (
            site.installation_id,
            version.id,
            decision.consent_id,
            decision.sha256,
            decision.action,
            {"categories": decision.categories, "services": decision.services},
            decision.layer,
            decision.gpc,
            decision.language,
            ip,
            browser,
            system,
            origin[:255],
            decision.path,
            decision.time,
            datetime.now(UTC),
        )
        try:
            future = writer_get().submit(row)
        except queue.Full:
            self._forget(recent_key)
            raise Rejected(
                503, "busy", "Too many decisions at once; try again in a second.", retry_after=1
            ) from None
        outcome = await future
        if outcome == STORED:
            return 204
        if outcome == DUPLICATE:
            raise _duplicate()
        self._forget(recent_key)
        if outcome == REFUSED:
            raise unstorable("decision")
        raise Rejected(503, "unavailable", "The decision could not be recorded.", retry_after=1)

    def _forget(self, recent_key) -> None:
        if recent_key is not None:
            self.recent.forget(recent_key)


_frozen = False


def _freeze_heap() -> None:
    """Move what the process holds after start-up (Django's modules, settings, URL patterns:
    a few hundred thousand objects) out of the garbage collector's view, once. Without this,
    every full collection walks all of them (25–70 ms on the benchmark machine, several times
    a second under load), which was the largest part of the latency tail."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def _origin_check(domains: tuple[str, ...], origin: str) -> bool:
    """The installations' origin check, plus the exact loopback names (`localhost`,
    `127.0.0.1`) that only the operator's development banner lists and the banner runtime
    compares exactly; customers cannot enter them."""
    if domains_allow(domains, origin):
        return True
    try:
        parts = urlsplit(origin)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and host in _LOOPBACK and host in domains


def unstorable(what: str) -> Rejected:
    """The database refused this one row (its neighbours were stored): sending it again would
    not help, so a 400, not a 503."""
    return Rejected(400, "unstorable", f"The {what} holds values the database cannot store.")


def _duplicate() -> Rejected:
    return Rejected(409, "duplicate", "This decision has been recorded already.")


def client_ip(scope) -> str:
    """The truncated address (uvicorn has applied a trusted proxy's header already)."""
    client = scope.get("client")
    if not client:
        return "0.0.0.0"  # noqa: S104 - a placeholder, e.g. a Unix socket peer
    address = client[0]
    # The server gives IPv4 peers in dotted-quad form; truncating those needs no ipaddress
    # object (about 13 µs). Anything else goes through the privacy app's function.
    quad = _IPV4.match(address)
    if quad is not None:
        return quad[1] + ".0"
    try:
        return truncate_ip(address)
    except InvalidIPAddress:
        return "0.0.0.0"  # noqa: S104 - a placeholder


@lru_cache(maxsize=4096)
def origin_allowed(domains: tuple[str, ...], origin: str) -> bool:
    """Cached per (domains, origin): the check parses and IDNA-encodes the origin."""
    return _origin_check(domains, origin)


async def body_admitted(
    headers: dict, receive, rate: RateLimit, ip: str, what: str, limit: int = MAX_BODY
) -> bytes:
    """The checks of an ingest route before its body is parsed, in this order: the rate limit
    per truncated address (`what` names what is sent, for the message), size, content type."""
    wait = rate.take(ip)
    if wait:
        raise Rejected(
            429,
            "rate_limited",
            f"Too many {what} from this network; try again later.",
            retry_after=RateLimit.retry_after(wait),
        )
    body = await _read_body(headers, receive, limit)
    content_type = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
    if content_type not in _CONTENT_TYPES:
        raise Rejected(415, "unsupported_media_type", "Send text/plain or application/json.")
    return body


async def _read_body(headers: dict, receive, limit: int = MAX_BODY) -> bytes:
    declared = headers.get(b"content-length")
    if declared is not None:
        try:
            too_large = int(declared) > limit
        except ValueError:
            raise Rejected(400, "invalid_length", "The Content-Length is not a number.") from None
        if too_large:
            raise Rejected(413, "too_large", f"The body must be at most {limit} bytes.")
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Rejected(400, "incomplete", "The body ended early.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Rejected(413, "too_large", f"The body must be at most {limit} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _headers(allowed_origin: str | None, extra=()) -> list:
    headers = [*_BASE_HEADERS, *extra]
    if allowed_origin:
        headers.append((b"access-control-allow-origin", allowed_origin.encode("latin-1")))
    return headers


@lru_cache(maxsize=1024)
def _stored_headers(allowed_origin: str) -> tuple:
    """The headers of a 204 for a stored decision, per origin (sites have few)."""
    return tuple(_headers(allowed_origin))


async def answer(send, status: int, allowed_origin: str | None, *, extra=()) -> None:
    if status == 204 and allowed_origin and not extra:
        headers = _stored_headers(allowed_origin)
    else:
        headers = _headers(allowed_origin, extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def answer_error(send, rejected: Rejected, allowed_origin: str | None) -> None:
    body = (
        b'{"error":"'
        + rejected.code.encode()
        + b'","message":'
        + _json_string(rejected.message)
        + b"}"
    )
    extra = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if rejected.retry_after is not None:
        extra.append((b"retry-after", str(rejected.retry_after).encode()))
    if rejected.status == 405:
        extra.append((b"allow", b"POST, OPTIONS"))
    await send(
        {
            "type": "http.response.start",
            "status": rejected.status,
            "headers": _headers(allowed_origin, extra),
        }
    )
    await send({"type": "http.response.body", "body": body})


def _json_string(text: str) -> bytes:
    return json.dumps(text).encode()


def collector_app(django_app):
    """The project's ASGI application: the collector's route, then Django for the rest."""
    collector = None

    async def application(scope, receive, send):
        nonlocal collector
        if scope["type"] == "http":
            match = _PATH.match(scope["path"])
            if match is not None:
                if collector is None:
                    collector = Collector()
                await collector(scope, receive, send, match[1])
                return
        elif scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        await django_app(scope, receive, send)

    application.collector = lambda: collector
    return application


async def _lifespan(receive, send) -> None:
    """Started lazily on the first decision; on shutdown the writer writes what is queued."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            from .writer import writer_reset

            await asyncio.to_thread(writer_reset)
            await send({"type": "lifespan.shutdown.complete"})
            return
