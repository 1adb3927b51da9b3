"""Exports of any size as background jobs: the API's export format (export.py), gzipped, written
to the `exports` storage by the task queue, with progress, and downloaded through a signed link
that expires (export_download.py). The portal and the API request them alike.

Memory stays constant in the number of rows:
- PostgreSQL: the rows come from a server-side cursor inside a transaction (`.iterator()` in
  `atomic`, so Django declares the cursor without `WITH HOLD` and PostgreSQL materialises
  nothing: the first rows arrive at once, 2,000 per fetch). Progress is written through a
  second connection, since the export's own transaction commits only at the end.
- SQLite: the same iteration in chunks of 2,000 rows, outside a transaction.
Each batch is rendered, compressed and written to a temporary file before the next is read;
the finished file is handed to the storage (a rename on the default file system storage).

The job row and its file go 7 days after the request (register: customer-consent-records,
store api.ConsentExport; the file with the row, signals.py). A link is valid for a day after it
was issued and never beyond that."""

import gzip
import logging
import os
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core import signing
from django.core.files import File
from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from .export import csv_lines, header, jsonl_lines
from .models import ApiKey, ConsentExport
from .selectors import consent_records, record_out

logger = logging.getLogger(__name__)

STORAGE = "exports"
KEEP = timedelta(days=7)  # the register's duration for api.ConsentExport
LINK_SECONDS = 24 * 3600
BATCH = 2000
PROGRESS_SECONDS = 1.0
STALE = timedelta(minutes=15)  # a running job without progress this long has lost its worker
FILTER_KEYS = ("from", "to", "action", "version", "language", "consent_id")
_SALT = "consentserve.api.export-link"


@dataclass(frozen=True)
class Filters:
    """The stored filters in the shape selectors.consent_records reads (schemas.ConsentFilter)."""

    from_: datetime | None = None
    to: datetime | None = None
    action: str | None = None
    version: int | None = None
    language: str | None = None
    consent_id: str | None = None

    @classmethod
    def stored(cls, filters: dict) -> "Filters":
        def moment(value):
            return datetime.fromisoformat(value) if value else None

        return cls(
            from_=moment(filters.get("from")),
            to=moment(filters.get("to")),
            action=filters.get("action"),
            version=filters.get("version"),
            language=filters.get("language"),
            consent_id=filters.get("consent_id"),
        )


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def filters_dict(*, from_=None, to=None, action=None, version=None, language=None, consent_id=None):
    """Filters as stored on the job: only those given, times as ISO 8601."""
    values = {
        "from": _iso(from_),
        "to": _iso(to),
        "action": action,
        "version": version,
        "language": language,
        "consent_id": consent_id,
    }
    return {key: value for key, value in values.items() if value is not None}


def export_request(
    installation, *, fmt: str, filters: dict, user=None, api_key: ApiKey | None = None
) -> ConsentExport:
    """Records the job and queues it once the request's transaction has committed."""
    job = ConsentExport.objects.create(
        installation=installation,
        format=fmt,
        filters=filters,
        requested_by=user,
        requested_with=api_key,
    )
    from .tasks import consent_export_task

    job_id = str(job.pk)
    transaction.on_commit(lambda: consent_export_task(job_id))
    return job


def exports_recent(organisation, *, limit: int) -> list[ConsentExport]:
    """The organisation's newest export jobs, newest first, with their installations."""
    return list(
        ConsentExport.objects.filter(installation__organisation=organisation)
        .select_related("installation")
        .order_by("-created_at")[:limit]
    )


def expires_at(job: ConsentExport) -> datetime:
    return job.created_at + KEEP


def download_path(job: ConsentExport) -> str | None:
    """The link to the finished file, valid for LINK_SECONDS; None before it is ready."""
    if job.state != ConsentExport.State.DONE:
        return None
    token = signing.TimestampSigner(salt=_SALT).sign(str(job.pk))
    return reverse("consent-export-download", kwargs={"token": token})


def job_for_token(token: str) -> ConsentExport | None:
    """The finished job a link names, or None when the link is forged, expired or its file gone."""
    try:
        job_id = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=LINK_SECONDS)
    except signing.BadSignature:  # SignatureExpired included
        return None
    job = ConsentExport.objects.filter(pk=job_id, state=ConsentExport.State.DONE).first()
    if job is None or timezone.now() >= expires_at(job):
        return None
    return job


def file_name(job: ConsentExport) -> str:
    """The name a download is saved under."""
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M%S")
    return f"consents-{job.installation.public_key}-{stamp}.{job.format}.gz"


# --- the job ------------------------------------------------------------------------------------


def export_run(job_id: str) -> ConsentExport | None:
    """Runs a queued job; another worker that got the same job finds it taken and returns."""
    now = timezone.now()
    taken = ConsentExport.objects.filter(pk=job_id, state=ConsentExport.State.QUEUED).update(
        state=ConsentExport.State.RUNNING, started_at=now, heartbeat_at=now
    )
    if not taken:
        return None
    job = ConsentExport.objects.select_related("installation").get(pk=job_id)
    try:
        _write(job)
    except Exception:
        # The job's id only: the error of a database or storage names no person.
        logger.exception("consent export %s failed", job.pk)
        ConsentExport.objects.filter(pk=job.pk).update(
            state=ConsentExport.State.FAILED,
            error="The export could not be written.",
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def exports_sweep(*, now: datetime | None = None) -> int:
    """Jobs whose worker died: a running job silent for STALE is marked failed (the client
    requests it again), and temporary files older than a day are removed. Returns the jobs
    marked failed. Run by the task queue every 10 minutes."""
    now = now or timezone.now()
    failed = ConsentExport.objects.filter(
        state=ConsentExport.State.RUNNING, heartbeat_at__lt=now - STALE
    ).update(
        state=ConsentExport.State.FAILED,
        error="The export stopped without finishing.",
        finished_at=now,
    )
    storage = storages[STORAGE]
    directory = os.path.join(storage.location, "tmp") if hasattr(storage, "location") else None
    if directory and os.path.isdir(directory):
        oldest = now.timestamp() - 24 * 3600
        for entry in os.scandir(directory):
            if entry.is_file() and entry.stat().st_mtime < oldest:
                os.unlink(entry.path)
    return failed


class _Progress:
    """Writes rows_done at most once a second. On PostgreSQL through a connection of its own:
    the export reads inside a transaction whose writes nobody would see before its end."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.last = time.monotonic()
        self.own = None
        if connection.vendor == "postgresql":
            self.own = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        beat = timezone.now()
        if self.own is None:
            ConsentExport.objects.filter(pk=self.job_id).update(rows_done=done, heartbeat_at=beat)
            return
        with self.own.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ConsentExport._meta.db_table} SET rows_done = %s, heartbeat_at = %s "  # noqa: S608 - the table's own name
                "WHERE id = %s",
                [done, beat, self.job_id],
            )

    def close(self) -> None:
        if self.own is not None:
            self.own.close()


def _batches(records):
    batch = []
    for row in records.iterator(chunk_size=BATCH):
        batch.append(record_out(row))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _temporary(storage):
    """A temporary file beside the storage's files where it has a directory (so saving it is
    a rename), elsewhere in the system's temporary directory."""
    directory = None
    if hasattr(storage, "location"):
        directory = os.path.join(storage.location, "tmp")
        os.makedirs(directory, exist_ok=True)
    return tempfile.NamedTemporaryFile(dir=directory, suffix=".part", delete=False)  # noqa: SIM115 - closed below


class _Written(File):
    """The finished temporary file; FileSystemStorage moves a file that names its path."""

    def temporary_file_path(self):
        return self.file.name


def _write(job: ConsentExport) -> None:
    records = consent_records(job.installation, Filters.stored(job.filters))
    total = records.count()
    ConsentExport.objects.filter(pk=job.pk).update(rows_total=total)
    render = csv_lines if job.format == ConsentExport.Format.CSV else jsonl_lines
    storage = storages[STORAGE]
    progress = _Progress(job.pk)
    raw = _temporary(storage)
    done = 0
    try:
        # Level 6: about as small as 9 for this text, at a fraction of the CPU.
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out:
            out.write(header(job.format).encode())
            reading = transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
            with reading:
                for batch in _batches(records):
                    out.write(render(batch).encode())
                    done += len(batch)
                    progress(done)
        size = raw.tell()
        raw.close()
        with open(raw.name, "rb") as finished:
            name = storage.save(f"consents/{job.pk}.{job.format}.gz", _Written(finished))
    except BaseException:
        raw.close()
        if os.path.exists(raw.name):
            os.unlink(raw.name)
        raise
    finally:
        progress.close()
    ConsentExport.objects.filter(pk=job.pk).update(
        state=ConsentExport.State.DONE,
        rows_done=done,
        rows_total=max(total, done),
        size=size,
        file=name,
        finished_at=timezone.now(),
    )
