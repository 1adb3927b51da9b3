"""Consent records as CSV or JSON Lines, streamed in constant memory.

Rows are read with a server-side cursor (`.iterator(chunk_size=…)`) as plain tuples and
written into chunks of about 64 KB, so an export of millions of rows holds one chunk and one
batch of rows at a time. Under ASGI a synchronous iterator would be read whole into a list
by Django before sending, so `streaming_body` hands ASGI requests an asynchronous iterator
that pulls one chunk at a time from the same database thread.

Columns (the same names as keys in JSON Lines, one JSON object per line):

| column | value |
|---|---|
| `record_id` | the record's number |
| `created_at` | when the server committed it, ISO 8601 in UTC |
| `installation` | the installation's public key |
| `version` | number of the published banner version shown |
| `consent_id` | the visitor's consent ID |
| `sha256` | SHA-256 of the texts shown (`config.sha256` of the version) |
| `action` | accept_all, reject_all, custom, withdraw or gpc |
| `choices` | `{"categories": {id: bool}, "services": {id: bool}}` (JSON text in CSV) |
| `layer` | 1 first layer, 2 settings, 0 without a layer |
| `gpc` | the Global Privacy Control signal (CSV: true/false) |
| `language` | language of the banner shown |
| `ip` | truncated IP address (IPv4 /24, IPv6 /48) |
| `browser`, `os` | browser and operating system family |
| `origin`, `path` | the page the decision was made on |
| `client_time` | time on the visitor's device, ISO 8601 in UTC, empty when not sent |

In CSV a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with
`'`, so spreadsheet programs show it as text instead of running it as a formula (a consent ID
may begin with `-`; strip the quote to compare).
"""

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.db.models import QuerySet

COLUMNS = (
    "record_id",
    "created_at",
    "installation",
    "version",
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
)
# The fields read for each column, in the same order.
_FIELDS = (
    "id",
    "created_at",
    "installation__public_key",
    "version__number",
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
)
_CREATED_AT = COLUMNS.index("created_at")
_CHOICES = COLUMNS.index("choices")
_GPC = COLUMNS.index("gpc")
_CLIENT_TIME = COLUMNS.index("client_time")
# Rows per fetch from the cursor. The driver's batch and the one before it are alive at once
# (about 1 KB a row in Python), so this bounds the export's memory.
CHUNK_ROWS = 500
CHUNK_BYTES = 64 * 1024
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/x-ndjson; charset=utf-8", "jsonl"),
}


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def export_rows(records: QuerySet) -> Iterator[tuple]:
    """`records` as tuples in COLUMNS order, oldest first, read in chunks."""
    rows = records.order_by("created_at", "id").values_list(*_FIELDS)
    return rows.iterator(chunk_size=CHUNK_ROWS)


def row_document(row: tuple) -> dict:
    """One exported row as the JSON object of its line."""
    values = list(row)
    values[_CREATED_AT] = iso_utc(values[_CREATED_AT])
    values[_CLIENT_TIME] = iso_utc(values[_CLIENT_TIME])
    return dict(zip(COLUMNS, values, strict=True))


def safe_cell(value: str) -> str:
    """A cell spreadsheet programs show as text, never evaluate."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_cells(row: tuple) -> list:
    cells = []
    for index, value in enumerate(row):
        if index in (_CREATED_AT, _CLIENT_TIME):
            value = iso_utc(value) or ""
        elif index == _CHOICES:
            value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        elif index == _GPC:
            value = "true" if value else "false"
        if isinstance(value, str):
            value = safe_cell(value)
        cells.append(value)
    return cells


def csv_chunks(rows: Iterable[tuple]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    # A byte order mark, so that spreadsheet programs read the file as UTF-8.
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(_csv_cells(row))
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def jsonl_chunks(rows: Iterable[tuple]) -> Iterator[bytes]:
    parts: list[str] = []
    size = 0
    for row in rows:
        line = json.dumps(row_document(row), separators=(",", ":"), ensure_ascii=False)
        parts.append(line)
        parts.append("\n")
        size += len(line) + 1
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode()
            parts.clear()
            size = 0
    if parts:
        yield "".join(parts).encode()


def export_chunks(records: QuerySet, fmt: str) -> Iterator[bytes]:
    rows = export_rows(records)
    return csv_chunks(rows) if fmt == "csv" else jsonl_chunks(rows)


async def _pulled(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Each chunk read in the thread that runs the request's synchronous code, where the
    cursor's connection lives."""
    pull = sync_to_async(lambda: next(chunks, None), thread_sensitive=True)
    while (chunk := await pull()) is not None:
        yield chunk


def streaming_body(request, chunks: Iterator[bytes]):
    """What StreamingHttpResponse should stream for `request`: chunk by chunk under ASGI too."""
    from django.core.handlers.asgi import ASGIRequest

    if isinstance(request, ASGIRequest):
        return _pulled(chunks)
    return chunks
