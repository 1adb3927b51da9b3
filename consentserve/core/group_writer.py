"""The thread side of a group-commit writer (the consent collector's, the analytics ingest's):
one thread per process, started on first use, that takes what is queued as a group, writes it
on the thread's own database connection and ends, after writing what came before, when `stop`
puts STOP into the queue. Subclasses say how a group is gathered (`_fill`) and written
(`_write`); the event loop's side (queueing, futures, bounds) is theirs."""

import atexit
import contextlib
import threading
import time
from collections.abc import Callable

from django.db import connection

STOP = object()
_REFUSALS = frozenset({"DataError", "IntegrityError"})
_FAILURES = frozenset({"OperationalError", "InterfaceError"})


def row_refusable(exc: BaseException) -> bool:
    """Whether `exc` is the database refusing a row's values (text it cannot encode or store,
    a value out of range) rather than the database failing (no connection, disk full): only
    then is a failed group worth writing again row by row."""
    if isinstance(exc, ValueError):  # SQLite's driver: UnicodeEncodeError is a ValueError
        return True
    # The writers use the raw DB-API connection, whose errors are the driver's own classes
    # (sqlite3's, psycopg's), not Django's: told apart by their PEP 249 names.
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & _REFUSALS) and not names & _FAILURES


def reconnect() -> None:
    """Start the next group on a fresh connection; closing a broken one may fail too."""
    with contextlib.suppress(Exception):
        connection.close()


_every: list["OnePerProcess"] = []


def _metrics():
    from . import metrics  # prometheus_client, loaded once a writer writes

    return metrics


def writers_alive() -> bool:
    """Whether every writer of this process that was started still runs (/readyz)."""
    return all(writer.alive() for writer in _every)


class GroupWriterThread:
    thread_name = "group-writer"

    def __init__(self, queue):
        self._queue = queue
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.stored = 0  # counters for tests and the benchmarks
        self.groups = 0

    def _ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name=self.thread_name, daemon=True
                )
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then end the thread."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._queue.put(STOP)
        thread.join(timeout)

    def _run(self) -> None:
        try:
            while True:
                first = self._queue.get()
                if first is STOP:
                    return
                batch = [first]
                stop = self._fill(batch)
                started = time.perf_counter()
                self._write(batch)
                _metrics().group_written(
                    self.thread_name, len(batch), time.perf_counter() - started, self._queue.qsize()
                )
                if stop:
                    return
        finally:
            connection.close()

    def alive(self) -> bool:
        """False when the thread was started and has died (not when it was never needed)."""
        return self._thread is None or self._thread.is_alive()

    def _fill(self, batch: list) -> bool:
        """Add what is queued to `batch`, up to a group; True when STOP was met (everything
        queued before it is in the batch)."""
        raise NotImplementedError

    def _write(self, batch: list) -> None:
        raise NotImplementedError


class OnePerProcess:
    """The one writer of a process: made by `make` on first use (so with the settings of that
    moment), stopped at exit, and by `reset` after writing what is queued, so that the next use
    makes a new one (tests change the settings)."""

    def __init__(self, make: Callable[[], GroupWriterThread]):
        self._make = make
        self._writer: GroupWriterThread | None = None
        self._lock = threading.Lock()
        _every.append(self)

    def alive(self) -> bool:
        writer = self._writer
        return writer is None or writer.alive()

    def get(self) -> GroupWriterThread:
        writer = self._writer
        if writer is None:
            with self._lock:
                if self._writer is None:
                    self._writer = self._make()
                    atexit.register(self._writer.stop)
                writer = self._writer
        return writer

    def reset(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.stop()
                atexit.unregister(self._writer.stop)
            self._writer = None
