"""The group-commit writer: one thread per process that owns its own database connection.

Requests put a row and an asyncio future into a bounded queue and wait. The thread takes what
is queued, up to `group` rows, after letting a group gather for `wait` seconds, inserts
them with one `executemany` on the raw DB-API connection in one transaction, and only after
the commit completes the futures (one `call_soon_threadsafe` per event loop and group). So a
request is answered 204 only for a committed row, and a process killed at any moment loses
only rows that nobody was told were stored.

Outcomes: STORED; DUPLICATE (the unique key installation, consent ID, client time already
held it: `ON CONFLICT DO NOTHING`, and only when a group inserts fewer rows than it has is it
written again row by row to find out which); FAILED (the commit failed: that group's requests
answer 503 and may be retried). A full queue refuses at once (`submit` raises queue.Full).

The stored rows of a group are added to the statistics roll-ups (rollups.py) in the same
transaction, so records and counts commit or roll back together.
"""

import asyncio
import atexit
import contextlib
import json
import logging
import queue
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from .models import ConsentRecord
from .rollups import RollupWriter

log = logging.getLogger(__name__)

STORED, DUPLICATE, FAILED = "stored", "duplicate", "failed"
# The order of the values in a row, as the request builds it.
COLUMNS = (
    "installation_id",
    "version_id",
    "consent_id",
    "sha256",
    "action",
    "choices",
    "layer",
    "gpc",
    "language",
    "ip",
    "browser",
    "os",
    "origin",
    "path",
    "client_time",
    "created_at",
)
_CHOICES = COLUMNS.index("choices")
_CLIENT_TIME = COLUMNS.index("client_time")
_CREATED_AT = COLUMNS.index("created_at")
_STOP = object()
SQLITE_SYNC = ("FULL", "NORMAL", "EXTRA")


@dataclass(slots=True)
class Pending:
    row: tuple
    future: asyncio.Future


class _Conflict(Exception):
    """A group held a row that was stored before: roll back and write it row by row."""


def _insert_sql(vendor: str) -> str:
    table = connection.ops.quote_name(ConsentRecord._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    if vendor == "postgresql":
        casts = {"choices": "::jsonb", "ip": "::inet"}
        marks = ", ".join("%s" + casts.get(c, "") for c in COLUMNS)
    else:
        marks = ", ".join("?" for _ in COLUMNS)
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608


def _adapt(rows: list[tuple]) -> list[tuple]:
    """Python values to what the raw driver takes (Django's field conversions, done by hand)."""
    ops = connection.ops
    adapted = []
    for row in rows:
        values = list(row)
        values[_CHOICES] = json.dumps(values[_CHOICES], separators=(",", ":"))
        values[_CLIENT_TIME] = ops.adapt_datetimefield_value(values[_CLIENT_TIME])
        values[_CREATED_AT] = ops.adapt_datetimefield_value(values[_CREATED_AT])
        adapted.append(tuple(values))
    return adapted


def _complete(items: list[tuple[asyncio.Future, str]]) -> None:
    for future, outcome in items:
        if not future.done():
            future.set_result(outcome)


class Writer:
    def __init__(
        self, *, queue_size: int, group: int, wait_seconds: float, sqlite_sync: str = "FULL"
    ):
        if sqlite_sync not in SQLITE_SYNC:
            raise ValueError(f"SQLite synchronous mode must be one of {SQLITE_SYNC}")
        self.sqlite_sync = sqlite_sync
        self.group = max(1, group)
        self.wait = max(0.0, wait_seconds)
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, queue_size))
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._sql: str | None = None
        self._rollups: RollupWriter | None = None
        self.stored = 0  # counters for tests and the benchmark
        self.groups = 0

    # --- the event loop's side -------------------------------------------------------------

    def submit(self, row: tuple) -> asyncio.Future:
        """Queue `row`; the future completes with an outcome. Raises queue.Full."""
        self._ensure_started()
        future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(Pending(row, future))
        return future

    def _ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="consent-writer", daemon=True
                )
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then end the thread."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            return
        thread.join(timeout)

    # --- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                batch = [first]
                stop = self._fill(batch)
                self._write(batch)
                if stop:
                    return
        finally:
            connection.close()

    def _fill(self, batch: list) -> bool:
        """Add queued rows to `batch` up to a full group, after letting a group gather for
        `wait` seconds when fewer are queued; True when the stop mark was met (everything
        before it is in the batch). Sleeping rather than waiting on the queue means a put
        does not wake this thread for every single row."""
        if self.wait and self._queue.qsize() < self.group - 1:
            time.sleep(self.wait)
        while len(batch) < self.group:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return False
            if item is _STOP:
                return True
            batch.append(item)
        return False

    def _write(self, batch: list[Pending]) -> None:
        try:
            outcomes = self._insert([p.row for p in batch])
        except Exception as exc:  # noqa: BLE001 - the requests get 503; the thread lives on
            # No row data in the log: it holds personal data.
            log.error(
                "consent records: a group of %d could not be written (%s)",
                len(batch),
                type(exc).__name__,
            )
            outcomes = [FAILED] * len(batch)
            # Start the next group on a fresh connection; closing a broken one may fail too.
            with contextlib.suppress(Exception):
                connection.close()
        self.groups += 1
        self.stored += outcomes.count(STORED)
        by_loop: dict = defaultdict(list)
        for pending, outcome in zip(batch, outcomes, strict=True):
            by_loop[pending.future.get_loop()].append((pending.future, outcome))
        for loop, items in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_complete, items)

    def _connect(self) -> None:
        """Open the thread's connection when there is none; on SQLite, make each commit of
        this connection wait for the disk (synchronous=FULL, one fsync per group) unless the
        setting says NORMAL (durable when the process dies, not on power loss; ADR 0004)."""
        if connection.connection is not None:
            return
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            connection.connection.execute(f"PRAGMA synchronous={self.sqlite_sync}")

    def _insert(self, rows: list[tuple]) -> list[str]:
        self._connect()
        if self._sql is None:
            self._sql = _insert_sql(connection.vendor)
            self._rollups = RollupWriter(connection.vendor)
        adapted = _adapt(rows)
        try:
            with transaction.atomic():
                cursor = connection.connection.cursor()
                try:
                    cursor.executemany(self._sql, adapted)
                    if cursor.rowcount != len(adapted):
                        raise _Conflict
                    # The statistics' counts commit (or roll back) with the records.
                    self._rollups.add(cursor, rows, COLUMNS)
                finally:
                    cursor.close()
            return [STORED] * len(rows)
        except _Conflict:
            pass
        outcomes = []
        with transaction.atomic():
            cursor = connection.connection.cursor()
            try:
                for values in adapted:
                    cursor.execute(self._sql, values)
                    outcomes.append(STORED if cursor.rowcount == 1 else DUPLICATE)
                stored = [row for row, o in zip(rows, outcomes, strict=True) if o == STORED]
                if stored:
                    self._rollups.add(cursor, stored, COLUMNS)
            finally:
                cursor.close()
        return outcomes


_writer: Writer | None = None
_writer_lock = threading.Lock()


def writer_get() -> Writer:
    global _writer
    if _writer is None:
        with _writer_lock:
            if _writer is None:
                _writer = Writer(
                    queue_size=settings.CONSENTSERVE_COLLECTOR_QUEUE,
                    group=settings.CONSENTSERVE_COLLECTOR_GROUP,
                    wait_seconds=settings.CONSENTSERVE_COLLECTOR_WAIT_MS / 1000,
                    sqlite_sync=settings.CONSENTSERVE_COLLECTOR_SQLITE_SYNC,
                )
                atexit.register(_writer.stop)
    return _writer


def writer_reset() -> None:
    """Stop the writer after writing what is queued; the next request starts a new one with
    the current settings (tests change them)."""
    global _writer
    with _writer_lock:
        if _writer is not None:
            _writer.stop()
            atexit.unregister(_writer.stop)
        _writer = None
