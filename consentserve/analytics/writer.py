"""The analytics events' group-commit writer: one thread per process with its own database
connection, as the consent collector's (consentserve/collector/writer.py), simpler.

A request queues its event with an asyncio future and waits; the thread takes what is queued
(up to `group` events), hashes the visitors with the day's salt, reads each visitor's previous
event, inserts the events and adds them to the daily roll-ups in one transaction, and only then
completes the futures. A full queue refuses at once (`submit` raises queue.Full); a failed
group is written again event by event, so that an event the database refuses (REFUSED) costs
only itself; when the database itself failed, every event of the group is FAILED."""

import asyncio
import contextlib
import logging
import queue
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction

from consentserve.core.group_writer import (
    STOP,
    GroupWriterThread,
    OnePerProcess,
    reconnect,
    row_refusable,
)

from .models import AnalyticsDaily, AnalyticsEvent, AnalyticsVisitor
from .tally import Event, Seen, Tally
from .visitors import salt_for, visitor_hash

log = logging.getLogger(__name__)

STORED, FAILED, REFUSED = "stored", "failed", "refused"


@dataclass(frozen=True, slots=True)
class Incoming:
    """An event as the request has it: the truncated IP and the user agent live only here,
    in memory, until the visitor hash is made."""

    installation_id: int
    ip: str
    user_agent: str
    kind: str
    path: str
    referrer: str
    screen: str
    language: str
    browser: str
    os: str
    device: str


def _upsert_sql() -> str:
    table = connection.ops.quote_name(AnalyticsDaily._meta.db_table)
    counters = ("views", "visits", "visitors", "exits")
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
    return (
        f"INSERT INTO {table} (installation_id, day, dimension, value, views, visits, visitors, "  # noqa: S608
        "exits) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT (installation_id, day, dimension, value) DO UPDATE SET {updates}"
    )


def rollups_add(tally: Tally) -> None:
    """Add a tally's counts to AnalyticsDaily (inside the caller's transaction)."""
    rows = [
        (i, day, dimension, value[:255], *counts)
        for (i, day, dimension, value), counts in tally.counts.items()
        if any(counts)
    ]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(_upsert_sql(), rows)


def store(incoming: list[Incoming], now: datetime | None = None) -> int:
    """Store a group of events and their counts in one transaction (the writer's thread, the
    benchmark and tests)."""
    now = now or datetime.now(UTC)
    day = now.date()
    salt = salt_for(day)
    events = [
        Event(
            installation_id=e.installation_id,
            created_at=now,
            visitor=visitor_hash(salt, e.ip, e.user_agent, e.installation_id, day),
            kind=e.kind,
            path=e.path,
            referrer=e.referrer,
            screen=e.screen,
            language=e.language,
            browser=e.browser,
            os=e.os,
            device=e.device,
        )
        for e in incoming
    ]
    with transaction.atomic():
        tally = Tally()
        tally.last.update(_previous(events))
        for event in events:
            tally.add(event)
        _insert(events, now)
        rollups_add(tally)
        _remember(tally, events)
    return len(events)


_COLUMNS = Event.__slots__  # AnalyticsEvent's columns, `created_at` the second


def _insert(events: list[Event], now: datetime) -> None:
    """One `executemany` on the raw cursor: the group shares one time, converted once, and
    skips the ORM's work per object (in the benchmark a third less server CPU per event on
    SQLite than `bulk_create`, a fifth less on PostgreSQL)."""
    table = connection.ops.quote_name(AnalyticsEvent._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    at = connection.ops.adapt_datetimefield_value(now)
    rows = [(e.installation_id, at, *(getattr(e, c) for c in _COLUMNS[2:])) for e in events]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def _previous(events: list[Event]) -> dict[tuple[int, str], Seen]:
    """Each visitor's last stored event of the day (the hash is the day's, and earlier days'
    rows are deleted with their salt)."""
    visitors = defaultdict(set)
    for event in events:
        visitors[event.installation_id].add(event.visitor)
    last = {}
    for installation_id, hashes in visitors.items():
        rows = AnalyticsVisitor.objects.filter(
            installation_id=installation_id, visitor__in=hashes
        ).values_list("visitor", "last_at", "last_kind", "last_path")
        for visitor, at, kind, path in rows:
            last[(installation_id, visitor)] = Seen(at, kind, path)
    return last


def _remember(tally: Tally, events: list[Event]) -> None:
    """Keep the last event of each visitor of the group for the next groups."""
    keys = {(e.installation_id, e.visitor) for e in events}
    AnalyticsVisitor.objects.bulk_create(
        [
            AnalyticsVisitor(
                installation_id=i,
                visitor=v,
                last_at=seen.at,
                last_kind=seen.kind,
                last_path=seen.path,
            )
            for (i, v), seen in tally.last.items()
            if (i, v) in keys
        ],
        update_conflicts=True,
        unique_fields=["installation", "visitor"],
        update_fields=["last_at", "last_kind", "last_path"],
    )


class Writer(GroupWriterThread):
    thread_name = "analytics-writer"

    def __init__(self, *, queue_size: int, group: int):
        self.queue_size = max(1, queue_size)
        self.group = max(1, group)
        super().__init__(queue.Queue(maxsize=self.queue_size + 1))

    def submit(self, item: Incoming) -> asyncio.Future:
        """Queue `item`; the future completes with STORED or FAILED. Raises queue.Full."""
        if self._queue.qsize() >= self.queue_size:
            raise queue.Full
        self._ensure_started()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put_nowait((loop, future, item))
        return future

    def _fill(self, batch: list) -> bool:
        while len(batch) < self.group:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return False
            if item is STOP:
                return True
            batch.append(item)
        return False

    def _write(self, batch: list) -> None:
        items = [item for _loop, _future, item in batch]
        try:
            store(items)
            outcomes = [STORED] * len(batch)
        except Exception as exc:  # noqa: BLE001 - the requests get an answer; the thread lives on
            # No event data in the log: it holds personal data.
            log.error(
                "analytics events: a group of %d could not be written (%s)",
                len(batch),
                type(exc).__name__,
            )
            outcomes = _one_by_one(items, exc)
        self.stored += outcomes.count(STORED)
        self.groups += 1
        by_loop = defaultdict(list)
        for (loop, future, _item), outcome in zip(batch, outcomes, strict=True):
            by_loop[loop].append((future, outcome))
        for loop, answers in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_complete, answers)


def _one_by_one(items: list[Incoming], exc: Exception) -> list[str]:
    """After a failed group, each event in a transaction of its own, as the consent writer
    does: an event the database refuses (REFUSED, answered 400) costs only itself."""
    if not row_refusable(exc):
        reconnect()
        return [FAILED] * len(items)
    if len(items) == 1:
        return [REFUSED]
    outcomes = []
    for index, item in enumerate(items):
        try:
            store([item])
            outcomes.append(STORED)
        except Exception as item_exc:  # noqa: BLE001 - that event's request gets its answer
            if not row_refusable(item_exc):
                reconnect()
                return outcomes + [FAILED] * (len(items) - index)
            outcomes.append(REFUSED)
    return outcomes


def _complete(answers: list[tuple[asyncio.Future, str]]) -> None:
    for future, outcome in answers:
        if not future.done():
            future.set_result(outcome)


_process = OnePerProcess(
    lambda: Writer(
        queue_size=settings.CONSENTSERVE_ANALYTICS_QUEUE,
        group=settings.CONSENTSERVE_ANALYTICS_GROUP,
    )
)
writer_get = _process.get
writer_reset = _process.reset  # stop after writing what is queued (tests, shutdown)
