"""The access log of policy B.1: exactly IP, time, OS, browser and version, referrer, URL.

The middleware only copies four strings into a bounded in-process queue; a writer thread per
process parses user agents (ua-parser) and inserts once a second in one batch, so pages never
wait for the database. When the queue is full an entry is dropped and counted rather than
slowing a page: the log serves security, not billing. The retention engine deletes entries
after 7 days.
"""

import atexit
import logging
import queue
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from ua_parser import parse_os, parse_user_agent

from .models import AccessLogEntry

log = logging.getLogger(__name__)

QUEUE_SIZE = 50_000
BATCH_SIZE = 500
FLUSH_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Hit:
    ip: str
    at: datetime
    user_agent: str
    referrer: str
    url: str


_queue: "queue.Queue[Hit]" = queue.Queue(maxsize=QUEUE_SIZE)
_writer: threading.Thread | None = None
_writer_lock = threading.Lock()
dropped = 0


# Paths that carry a secret (invitation tokens, e-mail confirmation and password-reset keys):
# the log must not become a way to take over what the secret grants. Matched anywhere in the
# URL, so a `?next=` that carries such a path is redacted too.
_SECRET_PATH = re.compile(
    r"((?:invitations|confirm-email|reset(?:/|%2F)key)(?:/|%2F))[^/?&#%]+", re.IGNORECASE
)


def redact(url: str) -> str:
    return _SECRET_PATH.sub(r"\1[redacted]", url)


def entry_from_hit(hit: Hit) -> AccessLogEntry:
    agent = parse_user_agent(hit.user_agent) if hit.user_agent else None
    system = parse_os(hit.user_agent) if hit.user_agent else None
    version = ".".join(p for p in (agent.major, agent.minor) if p) if agent else ""
    return AccessLogEntry(
        ip=hit.ip,
        captured_at=hit.at,
        os=(system.family if system else "")[:100],
        browser=(agent.family if agent else "")[:100],
        browser_version=version[:50],
        referrer_url=redact(hit.referrer)[:2048],
        requested_url=redact(hit.url)[:2048],
    )


def flush(first: Hit | None = None) -> int:
    """Write everything queued now, in this thread. Returns the number of entries written."""
    written = 0
    while True:
        batch = [first] if first else []
        first = None
        try:
            while len(batch) < BATCH_SIZE:
                batch.append(_queue.get_nowait())
        except queue.Empty:
            pass
        if not batch:
            return written
        AccessLogEntry.objects.bulk_create([entry_from_hit(hit) for hit in batch])
        written += len(batch)


def flush_discard() -> None:
    """Forget everything queued (tests start from an empty queue)."""
    while True:
        try:
            _queue.get_nowait()
        except queue.Empty:
            return


def _run_writer() -> None:
    # Writing once a second turns many small transactions into one insert per batch.
    while True:
        time.sleep(FLUSH_SECONDS)
        try:
            flush()
        except Exception:  # the writer must survive a database hiccup; entries are lost
            log.exception("access log: batch could not be written")
        finally:
            close_old_connections()


def writer_alive() -> bool:
    """False when the writer thread was started and has died (/readyz)."""
    return _writer is None or _writer.is_alive()


def _ensure_writer() -> None:
    global _writer
    if _writer is not None and _writer.is_alive():
        return
    with _writer_lock:
        if _writer is None or not _writer.is_alive():
            _writer = threading.Thread(target=_run_writer, name="access-log-writer", daemon=True)
            _writer.start()
            atexit.register(flush)


def record(hit: Hit) -> None:
    global dropped
    try:
        _queue.put_nowait(hit)
    except queue.Full:
        dropped += 1
        from consentserve.core import metrics

        metrics.access_log_dropped()
        return
    if settings.CONSENTSERVE_ACCESS_LOG == "thread":
        _ensure_writer()


def hit_from_request(request) -> Hit:
    meta = request.META
    return Hit(
        ip=meta.get("REMOTE_ADDR") or "0.0.0.0",  # noqa: S104 - a placeholder, never bound
        at=timezone.now(),
        user_agent=meta.get("HTTP_USER_AGENT", "")[:1024],
        referrer=meta.get("HTTP_REFERER", ""),
        url=request.get_full_path(),
    )


# The banner's routes serve the visitors of customers' websites, whom activity B.1 (visitors of
# our website and portal) does not cover; DESIGN.md keeps them apart from Django's middleware.
_NOT_LOGGED_PREFIX = "/c/"


class AccessLogMiddleware:
    """Records one entry per request that reaches Django (static files are served before),
    except the banner's `/c/` routes."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.CONSENTSERVE_ACCESS_LOG != "off"
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _logs(self, request) -> bool:
        return self.enabled and not request.path_info.startswith(_NOT_LOGGED_PREFIX)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        if self._logs(request):
            record(hit_from_request(request))
        return self.get_response(request)

    async def __acall__(self, request):
        if self._logs(request):
            record(hit_from_request(request))
        return await self.get_response(request)
