"""The project's ASGI application with timings, for `run.py --trace`: per group of the
collector's writer its rows, the time of the insert and of the commit, each WAL checkpoint,
and every pause of the garbage collector. SIGUSR1 writes what was timed since the last one as
JSON to the file in TRACE_OUT and starts afresh. The timing costs a few clock reads per group
and per collection."""

import gc
import json
import os
import signal
import threading
import time

from django.db import connection, connections

from config.asgi import application  # noqa: F401 - served by uvicorn
from consentserve.collector import writer

_groups: list[tuple[int, float, float]] = []  # rows, insert seconds, commit seconds
_checkpoints: list[float] = []
_collections: list[tuple[int, float]] = []  # generation, seconds
_gc_started: dict[int, float] = {}
_commit: dict[int, float] = {}  # thread -> seconds of its last commit


def _on_gc(phase: str, info: dict) -> None:
    thread = threading.get_ident()
    if phase == "start":
        _gc_started[thread] = time.perf_counter()
    elif thread in _gc_started:
        _collections.append((info["generation"], time.perf_counter() - _gc_started.pop(thread)))


def _timed_commit(original):
    def commit(self):
        started = time.perf_counter()
        try:
            return original(self)
        finally:
            _commit[threading.get_ident()] = time.perf_counter() - started

    return commit


def _timed_insert(original):
    def insert(self, rows):
        thread = threading.get_ident()
        _commit[thread] = 0.0
        started = time.perf_counter()
        try:
            return original(self, rows)
        finally:
            commit = _commit.get(thread, 0.0)
            _groups.append((len(rows), time.perf_counter() - started - commit, commit))

    return insert


def _timed_checkpoint(original):
    def checkpoint(self):
        if connection.vendor != "sqlite":  # only SQLite's WAL is checkpointed by the writer
            return original(self)
        started = time.perf_counter()
        try:
            return original(self)
        finally:
            _checkpoints.append(time.perf_counter() - started)

    return checkpoint


def _dump(*_signal) -> None:
    data = {"groups": _groups[:], "checkpoints": _checkpoints[:], "collections": _collections[:]}
    for timed in (_groups, _checkpoints, _collections):
        timed.clear()
    with open(os.environ["TRACE_OUT"], "w") as out:
        json.dump(data, out)


wrapper = type(connections["default"])
wrapper._commit = _timed_commit(wrapper._commit)
writer.Writer._insert = _timed_insert(writer.Writer._insert)
writer.Writer._checkpoint = _timed_checkpoint(writer.Writer._checkpoint)
gc.callbacks.append(_on_gc)
signal.signal(signal.SIGUSR1, _dump)
