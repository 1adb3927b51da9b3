"""Export of consent records as CSV or JSON Lines, streamed batch by batch in constant memory
(selectors.consent_batches). The one format of consent exports: the background exports
(export_jobs.py), the API's and the portal's, write the same lines.

Under ASGI the body must be an async iterator, or Django would collect a sync one into memory
before sending it; each batch is then read in the thread that holds the request's database
connection. Under WSGI (and the test client) a plain iterator serves."""

import csv
import io
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse

from .selectors import consent_batches

COLUMNS = (
    "id",
    "consent_id",
    "created_at",
    "action",
    "version",
    "sha256",
    "categories",
    "services",
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
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}


# One encoder for every row: json.dumps with arguments builds a new one per call.
_ENCODE = DjangoJSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# A cell starting with one of these a spreadsheet would run as a formula (collector.exports).
_FORMULA_STARTS = frozenset(("=", "+", "-", "@", "\t", "\r"))


def _text(value: str) -> str:
    # Text a spreadsheet would run as a formula (a path, a consent ID starting with "-").
    return "'" + value if value[:1] in _FORMULA_STARTS else value


def _csv_row(row: dict) -> tuple:
    """The cells of COLUMNS, each column rendered by what it holds (a few microseconds a row
    matter at millions of rows)."""
    client_time = row["client_time"]
    return (
        row["id"],
        _text(row["consent_id"]),
        row["created_at"].isoformat(),
        _text(row["action"]),
        row["version"],
        _text(row["sha256"]),
        _ENCODE(row["categories"]),
        _ENCODE(row["services"]),
        row["layer"],
        "true" if row["gpc"] else "false",
        _text(row["language"]),
        _text(row["ip"]),
        _text(row["browser"]),
        _text(row["os"]),
        _text(row["origin"]),
        _text(row["path"]),
        client_time.isoformat() if client_time is not None else "",
    )


def csv_lines(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(map(_csv_row, rows))
    return buffer.getvalue()


def jsonl_lines(rows: list[dict]) -> str:
    encode = _ENCODE
    return "".join([encode(row) + "\n" for row in rows])


def header(fmt: str) -> str:
    return ",".join(COLUMNS) + "\n" if fmt == "csv" else ""


def _chunks(records: QuerySet, fmt: str) -> Iterator[bytes]:
    render = csv_lines if fmt == "csv" else jsonl_lines
    yield header(fmt).encode()
    for rows in consent_batches(records):
        yield render(rows).encode()


async def _achunks(records: QuerySet, fmt: str) -> AsyncIterator[bytes]:
    chunks = _chunks(records, fmt)
    done = object()
    next_chunk = sync_to_async(lambda: next(chunks, done), thread_sensitive=True)
    while (chunk := await next_chunk()) is not done:
        yield chunk


def export_response(request: HttpRequest, records: QuerySet, *, fmt: str, name: str):
    body = _achunks(records, fmt) if isinstance(request, ASGIRequest) else _chunks(records, fmt)
    response = StreamingHttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
