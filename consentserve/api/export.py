"""Export of consent records as CSV or JSON Lines, streamed batch by batch in constant memory
(selectors.consent_batches).

Under ASGI the body must be an async iterator, or Django would collect a sync one into memory
before sending it; each batch is then read in the thread that holds the request's database
connection. Under WSGI (and the test client) a plain iterator serves."""

import csv
import io
import json
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse

from consentserve.collector.exports import safe_cell

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


def _json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return _json(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    # Text a spreadsheet would run as a formula (a path, a consent ID starting with "-").
    return safe_cell(str(value))


def _csv_lines(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([_csv_cell(row[column]) for column in COLUMNS] for row in rows)
    return buffer.getvalue()


def _jsonl_lines(rows: list[dict]) -> str:
    return "".join(_json(row) + "\n" for row in rows)


def _header(fmt: str) -> str:
    return ",".join(COLUMNS) + "\n" if fmt == "csv" else ""


def _chunks(records: QuerySet, fmt: str) -> Iterator[bytes]:
    render = _csv_lines if fmt == "csv" else _jsonl_lines
    yield _header(fmt).encode()
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
