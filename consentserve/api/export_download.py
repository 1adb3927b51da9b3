"""`GET /exports/<token>/`: the file of a finished consent export, for whoever holds the signed
link (export_jobs.download_path), until the link or the file expires. Resumable: a `Range` of
one span (`bytes=START-` or `bytes=START-END`) is answered with 206 and that part, so a client
that lost the connection continues where it stopped (curl -C -, browsers' resumed downloads).

The body is read from the storage in 64 KB chunks; under ASGI through an asynchronous
iterator, or Django would read a synchronous one whole before sending."""

import re
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.files.storage import storages
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .export_jobs import STORAGE, file_name, job_for_token

CHUNK = 64 * 1024
_RANGE = re.compile(r"\Abytes=(\d{1,19})-(\d{0,19})\Z")


def _chunks(handle, start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


async def _achunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    pull = sync_to_async(lambda: next(chunks, None), thread_sensitive=False)
    while (chunk := await pull()) is not None:
        yield chunk


def _plain(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def export_download(request, token: str):
    job = job_for_token(token)
    if job is None:
        return _plain(
            404, _("This download link is not valid or has expired. Request a new one.") + "\n"
        )
    size = job.size
    start, end, status = 0, size - 1, 200
    requested = request.headers.get("Range", "").strip()
    if requested:
        match = _RANGE.match(requested.replace(" ", ""))
        first = int(match.group(1)) if match else size
        last = int(match.group(2)) if match and match.group(2) else size - 1
        if not match or first >= size or last < first:
            response = _plain(416, _("The requested range is not part of the file.") + "\n")
            response["Content-Range"] = f"bytes */{size}"
            return response
        start, end, status = first, min(last, size - 1), 206
    length = end - start + 1
    chunks = _chunks(storages[STORAGE].open(job.file, "rb"), start, length)
    body = _achunks(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(body, status=status, content_type="application/gzip")
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    # The same file for the whole life of the link, so a resumed download can check it.
    response["ETag"] = f'"{job.pk}"'
    response["Content-Disposition"] = f'attachment; filename="{file_name(job)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
