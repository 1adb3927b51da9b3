"""The outermost ASGI layer: probes, metrics, request IDs.

- `GET /healthz`: 200 while the process runs its event loop; touches no database and no other
  layer, so it answers even when the collector's queue is full or the database is gone.
- `GET /readyz`: 200 when this process can serve: the database answers, the cache answers, every
  migration is applied, and the writer threads it started still run; otherwise 503 naming what
  failed. A load balancer sends traffic only to ready processes.
- `GET /metrics`: Prometheus text of every process of this machine (core/metrics.py). Open to
  loopback and private addresses, or to anyone sending `Authorization: Bearer
  <CONSENTSERVE_METRICS_TOKEN>`; the TLS proxy in front does not forward it (deploy/).

Every other request gets a request ID (core/logs.py) and is counted by the part that answered.
The probes sit before Django's Host check and HTTPS redirect: an orchestrator asks by address,
over plain HTTP, from inside the machine.
"""

import hmac
import ipaddress
import json
import re
import time
import uuid

from asgiref.sync import sync_to_async
from django.conf import settings

from . import metrics
from .logs import request_id

_REQUEST_ID = re.compile(r"\A[A-Za-z0-9._-]{8,64}\Z")
_TEXT = [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]
_JSON = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]


def _app_of(path: str) -> str:
    """A bounded label for the part that answers a path (never the path itself)."""
    if path.startswith("/c/") and path.endswith("/consent"):
        return "collector"
    if path.startswith("/a/") and path.endswith("/event"):
        return "analytics"
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/c/") and path.endswith(".js"):
        return "loader"
    if path.startswith(settings.STATIC_URL):
        return "static"
    return "pages"


async def _answer(send, status: int, body: bytes, headers) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_migrated = False  # once every migration of this code is applied, it stays so

# Writers that are no group writer (the access log's) register here: core imports no app.
_liveness_checks: list = []


def liveness_register(check) -> None:
    """`check()` tells whether one more of the process's background writers still runs."""
    if check not in _liveness_checks:
        _liveness_checks.append(check)


def _migrations(connection, executor_class) -> str:
    global _migrated
    if _migrated:
        return "ok"
    executor = executor_class(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return f"{len(plan)} not applied"
    _migrated = True
    return "ok"


def _ready() -> tuple[bool, dict]:
    """What /readyz checks, run in a thread (the database and the cache are synchronous)."""
    from django.core.cache import cache
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    from .group_writer import writers_alive

    checks = {}
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        checks["migrations"] = _migrations(connection, MigrationExecutor)
    except Exception as error:
        checks["database"] = f"failed ({type(error).__name__})"
    finally:
        connections.close_all()
    try:
        key = f"readyz:{uuid.uuid4().hex}"
        cache.set(key, "1", 10)
        # The test suite's cache keeps nothing on purpose; any other must give the value back.
        kept = cache.get(key) == "1" or settings.CACHES["default"]["BACKEND"].endswith("DummyCache")
        cache.delete(key)
        checks["cache"] = "ok" if kept else "failed (value not kept)"
    except Exception as error:
        checks["cache"] = f"failed ({type(error).__name__})"
    alive = writers_alive() and all(check() for check in _liveness_checks)
    checks["writers"] = "ok" if alive else "stopped"
    return all(value == "ok" for value in checks.values()), checks


def _may_scrape(scope) -> bool:
    token = getattr(settings, "CONSENTSERVE_METRICS_TOKEN", "")
    if token:
        given = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        return hmac.compare_digest(given, f"Bearer {token}")
    client = scope.get("client")
    if not client:
        return True  # a Unix socket: only this machine reaches it
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def probes_app(inner):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return await inner(scope, receive, send)
        path = scope["path"]
        if path == "/healthz":
            return await _answer(send, 200, b"ok\n", _TEXT)
        if path == "/readyz":
            ready, checks = await sync_to_async(_ready, thread_sensitive=False)()
            body = json.dumps({"ready": ready, **checks}).encode()
            return await _answer(send, 200 if ready else 503, body, _JSON)
        if path == "/metrics":
            if not _may_scrape(scope):
                return await _answer(send, 403, b"forbidden\n", _TEXT)
            body, content_type = await sync_to_async(metrics.exposition, thread_sensitive=False)()
            return await _answer(send, 200, body, [(b"content-type", content_type.encode())])

        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        app_label = _app_of(path)

        async def send_counted(message):
            if message["type"] == "http.response.start":
                metrics.request_done(app_label, message["status"], time.perf_counter() - started)
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())],
                }
            await send(message)

        try:
            await inner(scope, receive, send_counted)
        finally:
            request_id.reset(token)

    return app
