"""The group-commit writer: one thread per process that owns its own database connection.

Requests add a row and an asyncio future to their event loop's gathering and wait. The loop
hands a gathering over to the thread as soon as one of its turns brought no new row (every
request that had arrived has been read), when it holds `group` rows, or `wait` seconds after
its first row, whichever comes first: a group is as large as the load makes it, and nobody
waits for a timer while the loop is idle. The thread takes what has been handed over, up to
about `group` rows, inserts them on the raw DB-API connection in one transaction (SQLite:
one `executemany`; PostgreSQL: one statement with the group as a JSON parameter), and only
after the commit completes the futures (one `call_soon_threadsafe` per gathering). While it
commits, the next group gathers. So a request is answered 204 only for a committed row, and
a process killed at any moment loses only rows that nobody was told were stored.

Outcomes: STORED; DUPLICATE (the unique key installation, consent ID, client time already
held it: `ON CONFLICT DO NOTHING`, and only when a group inserts fewer rows than it has is it
written again row by row to find out which); REFUSED (the database refused this row's values:
its request answers 400; after a group fails so, each of its rows is written in a transaction
of its own, so the row costs only itself and never its neighbours, whatever installation they
came from); FAILED (the database failed: that group's requests answer 503 and may be sent
again). When `queue_size` rows are gathering or handed over and not
yet taken, `submit` refuses at once (raises queue.Full).

The stored rows of a group are added to the statistics roll-ups (rollups.py) in the same
transaction, so records and counts commit or roll back together.
"""

import asyncio
import contextlib
import logging
import queue
import time
from datetime import UTC

import msgspec
from django.conf import settings
from django.db import connection, transaction

from consentserve.core.group_writer import (
    STOP,
    GroupWriterThread,
    OnePerProcess,
    reconnect,
    row_refusable,
)

from .models import ConsentRecord
from .rollups import RollupWriter

log = logging.getLogger(__name__)

STORED, DUPLICATE, FAILED, REFUSED = "stored", "duplicate", "failed", "refused"
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
SQLITE_SYNC = ("FULL", "NORMAL", "EXTRA")
# Rows stored between two WAL checkpoints on SQLite: about 800 WAL pages on the benchmark's
# table, near SQLite's own default of 1000 pages; more where the unique key's index is large.
CHECKPOINT_ROWS = 2000


class Gathering:
    """The rows one event loop has submitted since its last hand-over, and their futures."""

    __slots__ = ("loop", "rows", "futures", "started", "seen", "handed")

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.rows: list[tuple] = []
        self.futures: list[asyncio.Future] = []
        self.started = time.monotonic()
        self.seen = 0  # rows at the previous look
        self.handed = False


class _Conflict(Exception):
    """A group held a row that was stored before: roll back and write it row by row."""


def _insert_sql(vendor: str) -> str:
    """One row (SQLite takes a group as `executemany` of it; PostgreSQL's row-by-row path)."""
    table = connection.ops.quote_name(ConsentRecord._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    if vendor == "postgresql":
        casts = {"choices": "::jsonb", "ip": "::inet"}
        marks = ", ".join("%s" + casts.get(c, "") for c in COLUMNS)
    else:
        marks = ", ".join("?" for _ in COLUMNS)
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608


def _json_element(i: int, db_type: str) -> str:
    """Element `i` of a row `r` (a JSON array) as the column's type; text goes in as text, so
    that too long a value fails as it would in VALUES rather than being cut by a cast."""
    if db_type == "jsonb":
        return f"r -> {i}"
    if db_type.startswith(("varchar", "text")):
        return f"r ->> {i}"
    return f"(r ->> {i})::{db_type}"


def _group_sql(vendor: str) -> str | None:
    """On PostgreSQL, a whole group in one statement whose one parameter is the group as a JSON
    array of rows (encoded by msgspec), taken apart by the server, rather than `executemany`
    (one execution per row). None elsewhere."""
    if vendor != "postgresql":
        return None
    quote = connection.ops.quote_name
    table = quote(ConsentRecord._meta.db_table)
    names = ", ".join(quote(c) for c in COLUMNS)
    types = {f.column: f.db_type(connection) for f in ConsentRecord._meta.concrete_fields}
    values = ", ".join(_json_element(i, types[c]) for i, c in enumerate(COLUMNS))
    return (
        f"INSERT INTO {table} ({names}) SELECT {values} "  # noqa: S608
        "FROM jsonb_array_elements(%s::jsonb) AS r ON CONFLICT DO NOTHING"
    )


_encode_json = msgspec.json.Encoder().encode


def _datetime_adapter():
    """Django's conversion of an aware datetime for the raw driver. On SQLite with the
    connection in UTC, a datetime in UTC (all the collector makes) becomes the same text as
    Django makes of it (`str` of the naive value), without Django's generic path, which costs
    several microseconds a value; anything else goes through Django."""
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite" or connection.timezone is not UTC:
        return adapt

    def adapt_utc(value):
        if value is not None and value.tzinfo is UTC:
            return str(value.replace(tzinfo=None))
        return adapt(value)

    return adapt_utc


def _adapt(rows: list[tuple], adapt_datetime) -> list[tuple]:
    """Python values to what the raw driver takes (Django's field conversions, done by hand)."""
    adapted = []
    for row in rows:
        values = list(row)
        values[_CHOICES] = _encode_json(values[_CHOICES]).decode()
        values[_CLIENT_TIME] = adapt_datetime(values[_CLIENT_TIME])
        values[_CREATED_AT] = adapt_datetime(values[_CREATED_AT])
        adapted.append(tuple(values))
    return adapted


def _complete(items: list[tuple[asyncio.Future, str]]) -> None:
    for future, outcome in items:
        if not future.done():
            future.set_result(outcome)


class Writer(GroupWriterThread):
    thread_name = "consent-writer"

    def __init__(
        self, *, queue_size: int, group: int, wait_seconds: float, sqlite_sync: str = "FULL"
    ):
        if sqlite_sync not in SQLITE_SYNC:
            raise ValueError(f"SQLite synchronous mode must be one of {SQLITE_SYNC}")
        self.sqlite_sync = sqlite_sync
        self.group = max(1, group)
        self.wait = max(0.0, wait_seconds)
        self.queue_size = max(1, queue_size)
        # Gatherings handed over and not yet taken by the thread; the bound is kept in rows.
        super().__init__(queue.SimpleQueue())
        self._queued = 0  # rows in the queue; changed under _lock, read without it
        self._gathering: dict[asyncio.AbstractEventLoop, Gathering] = {}
        self._sql: str | None = None
        self._group_sql: str | None = None
        self._rollups: RollupWriter | None = None
        self._adapt_datetime = None
        self._since_checkpoint = 0

    # --- the event loop's side -------------------------------------------------------------

    def submit(self, row: tuple) -> asyncio.Future:
        """Queue `row`; the future completes with an outcome. Raises queue.Full."""
        loop = asyncio.get_running_loop()
        gathering = self._gathering.get(loop)
        waiting = self._queued + (len(gathering.rows) if gathering is not None else 0)
        if waiting >= self.queue_size:
            raise queue.Full
        if gathering is None:
            self._ensure_started()
            gathering = self._gathering[loop] = Gathering(loop)
            loop.call_soon(self._look, gathering)
        future = loop.create_future()
        gathering.rows.append(row)
        gathering.futures.append(future)
        if len(gathering.rows) >= self.group:
            self._hand_over(gathering)
        return future

    def _look(self, gathering: Gathering) -> None:
        """Called once per turn of the event loop while rows gather: hand them over once a
        turn added none (the loop has taken every request that had arrived), or at once
        when `wait` has passed since the first, so the group neither waits for a timer when
        the loop is idle nor grows without end under a steady stream."""
        if gathering.handed:
            return
        count = len(gathering.rows)
        if count != gathering.seen and time.monotonic() - gathering.started < self.wait:
            gathering.seen = count
            gathering.loop.call_soon(self._look, gathering)
            return
        self._hand_over(gathering)

    def _hand_over(self, gathering: Gathering) -> None:
        gathering.handed = True
        if self._gathering.get(gathering.loop) is gathering:
            del self._gathering[gathering.loop]
        with self._lock:
            self._queued += len(gathering.rows)
        self._queue.put(gathering)
        self._ensure_started()  # the thread may have been stopped since the first row

    # --- the writer thread -----------------------------------------------------------------

    def _fill(self, batch: list[Gathering]) -> bool:
        """Add what else is queued to `batch`, up to about a group; True when the stop mark
        was met (everything before it is in the batch). No sleeping here: the event loop
        hands over what it gathered, and while this thread commits a group the next one
        gathers."""
        rows = len(batch[0].rows)
        stop = False
        while rows < self.group:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is STOP:
                stop = True
                break
            batch.append(item)
            rows += len(item.rows)
        with self._lock:
            self._queued -= rows
        return stop

    def _write(self, batch: list[Gathering]) -> None:
        rows = [row for gathering in batch for row in gathering.rows]
        try:
            outcomes = self._insert(rows)
        except Exception as exc:  # noqa: BLE001 - the requests get an answer; the thread lives on
            # No row data in the log: it holds personal data.
            log.error(
                "consent records: a group of %d could not be written (%s)",
                len(rows),
                type(exc).__name__,
            )
            outcomes = self._row_by_row(rows, exc)
        self.groups += 1
        self.stored += outcomes.count(STORED)
        start = 0
        for gathering in batch:
            end = start + len(gathering.rows)
            items = list(zip(gathering.futures, outcomes[start:end], strict=True))
            start = end
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                gathering.loop.call_soon_threadsafe(_complete, items)
        self._since_checkpoint += len(rows)
        if self._since_checkpoint >= CHECKPOINT_ROWS:
            self._since_checkpoint = 0
            self._checkpoint()

    def _row_by_row(self, rows: list[tuple], exc: Exception) -> list[str]:
        """After a failed group, each row in a transaction of its own, so that a row the
        database refuses costs only itself (REFUSED: its request answers 400) and its
        neighbours are stored. When the database itself failed (no connection, disk full),
        every row is FAILED (503, to be sent again) without trying each."""
        if not row_refusable(exc):
            reconnect()
            return [FAILED] * len(rows)
        if len(rows) == 1:
            return [REFUSED]
        outcomes = []
        for index, row in enumerate(rows):
            try:
                outcomes.extend(self._insert([row]))
            except Exception as row_exc:  # noqa: BLE001 - that row's request gets its answer
                if not row_refusable(row_exc):
                    reconnect()
                    return outcomes + [FAILED] * (len(rows) - index)
                outcomes.append(REFUSED)
        log.error(
            "consent records: %d of a group of %d refused by the database",
            outcomes.count(REFUSED),
            len(rows),
        )
        return outcomes

    def _checkpoint(self) -> None:
        """On SQLite, copy the WAL into the database file now that the group has been
        answered, rather than inside a commit: SQLite's automatic checkpoint runs in the
        COMMIT that crosses its threshold, so that group's answers waited for the copy and
        the fsync of the database file (several milliseconds, the largest delay of a commit).
        Here only the next group may wait, and it gathers meanwhile (this thread holds no GIL
        while SQLite works). Nothing else writes in between, so the checkpoint catches up
        and the next transaction starts the WAL afresh. Durability is unchanged: a record is
        durable once its commit is in the WAL."""
        if connection.vendor != "sqlite" or connection.connection is None:
            return
        try:
            connection.connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except Exception as exc:  # noqa: BLE001 - retried after the next rows
            log.warning("consent records: WAL checkpoint failed (%s)", type(exc).__name__)

    def _connect(self) -> None:
        """Open the thread's connection when there is none; on SQLite, make each commit of
        this connection wait for the disk (synchronous=FULL, one fsync per group) unless the
        setting says NORMAL (durable when the process dies, not on power loss; ADR 0004)."""
        if connection.connection is not None:
            return
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            connection.connection.execute(f"PRAGMA synchronous={self.sqlite_sync}")
            # Checkpoints are this thread's, between groups (_checkpoint).
            connection.connection.execute("PRAGMA wal_autocheckpoint=0")

    def _insert(self, rows: list[tuple]) -> list[str]:
        self._connect()
        if self._sql is None:
            self._sql = _insert_sql(connection.vendor)
            self._group_sql = _group_sql(connection.vendor)
            self._rollups = RollupWriter(connection.vendor)
            self._adapt_datetime = _datetime_adapter()
        try:
            with transaction.atomic():
                cursor = connection.connection.cursor()
                try:
                    if self._group_sql is None:
                        cursor.executemany(self._sql, _adapt(rows, self._adapt_datetime))
                    else:
                        cursor.execute(self._group_sql, [_encode_json(rows).decode()])
                    if cursor.rowcount != len(rows):
                        raise _Conflict
                    # The statistics' counts commit (or roll back) with the records.
                    self._rollups.add(cursor, rows, COLUMNS)
                finally:
                    cursor.close()
            return [STORED] * len(rows)
        except _Conflict:
            pass
        adapted = _adapt(rows, self._adapt_datetime)
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


_process = OnePerProcess(
    lambda: Writer(
        queue_size=settings.CONSENTSERVE_COLLECTOR_QUEUE,
        group=settings.CONSENTSERVE_COLLECTOR_GROUP,
        wait_seconds=settings.CONSENTSERVE_COLLECTOR_WAIT_MS / 1000,
        sqlite_sync=settings.CONSENTSERVE_COLLECTOR_SQLITE_SYNC,
    )
)
writer_get = _process.get
# Stop after writing what is queued; the next request starts a new writer with the current
# settings (tests change them).
writer_reset = _process.reset
