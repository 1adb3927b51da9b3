"""Issue 22 (deliverable 1): exports of any size as background jobs. The file is the API's
export format, gzipped, byte for byte what `GET …/consents/export` streams for the same
filters; progress is visible while it runs; the download link is signed, expires and serves
ranges; memory does not grow with the rows; file and job go 7 days after the request."""

import gzip
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from test_api_factories import (
    api_client,
    make_key,
    make_record,
    make_records,
    published,
)
from test_portal_factories import make_customer

from consentserve.api import export_jobs
from consentserve.api.models import ConsentExport
from consentserve.collector.models import ConsentRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_storage(tmp_path, settings):
    """The exports storage in a directory of this test."""
    location = tmp_path / "exports"
    settings.STORAGES = settings.STORAGES | {
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        }
    }
    return location


@pytest.fixture
def shop():
    customer = make_customer("a", "Alpha GmbH")
    customer.installation, customer.version = published(customer)
    customer.key, customer.secret = make_key(customer)
    customer.client = api_client(customer.secret)
    customer.base = f"/api/v1/installations/{customer.installation.pk}"
    return customer


def start_export(shop, capture, **params) -> dict:
    """Requests an export through the API and lets the task queue run it (immediate mode)."""
    with capture(execute=True):
        response = shop.client.post(
            f"{shop.base}/consents/exports?" + "&".join(f"{k}={v}" for k, v in params.items())
        )
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["state"] == "queued"
    assert job["download_url"] is None
    status = shop.client.get(f"{shop.base}/consents/exports/{job['id']}")
    assert status.status_code == 200
    return status.json()


def download(url: str, **headers):
    response = Client().get(url.removeprefix("http://testserver"), **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def streamed(shop, **params) -> bytes:
    response = shop.client.get(f"{shop.base}/consents/export", params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_file_is_the_api_export_gzipped_with_the_filters(
    shop, django_capture_on_commit_callbacks, fmt
):
    make_records(shop.installation, shop.version, 30)
    other, other_version = published(shop, name="Blog")
    make_records(other, other_version, 5)
    cases = [
        {},
        {"action": "custom"},
        {"from": "2026-03-01T09:01:00Z", "to": "2026-03-01T09:02:00Z"},
    ]
    for filters in cases:
        job = start_export(shop, django_capture_on_commit_callbacks, format=fmt, **filters)
        assert job["state"] == "done"
        assert job["filters"] == filters
        expected = streamed(shop, format=fmt, **filters)
        assert job["rows_total"] == job["rows_done"] == len(expected.splitlines()) - (fmt == "csv")
        assert job["progress"] == 1.0
        response, body = download(job["download_url"])
        assert response.status_code == 200
        assert response["Content-Type"] == "application/gzip"
        assert response["Content-Disposition"].endswith(f'.{fmt}.gz"')
        assert int(response["Content-Length"]) == len(body) == job["size"]
        assert gzip.decompress(body) == expected
    assert job["rows_total"] == 9  # 09:01:00, :20 and :40, three records each


def test_download_links_are_signed_expire_and_resume(shop, django_capture_on_commit_callbacks):
    make_records(shop.installation, shop.version, 200)
    job = start_export(shop, django_capture_on_commit_callbacks)
    url = job["download_url"]
    _, whole = download(url)
    part, head = download(url, HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 0-99/{len(whole)}"
    rest, tail = download(url, HTTP_RANGE="bytes=100-")
    assert rest.status_code == 206
    assert head + tail == whole
    bad, _ = download(url, HTTP_RANGE=f"bytes={len(whole)}-")
    assert bad.status_code == 416
    assert bad["Content-Range"] == f"bytes */{len(whole)}"
    assert download(url, HTTP_RANGE="bytes=5-2")[0].status_code == 416
    # A forged or altered link is as unknown as an expired one.
    assert download(url[:-3] + "abc/")[0].status_code == 404
    assert download("/exports/x/")[0].status_code == 404
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        expired, text = download(url, HTTP_ACCEPT_LANGUAGE="en")
        assert expired.status_code == 404
        assert b"expired" in text
        # The API issues a new link while the file is kept.
        fresh = shop.client.get(f"{shop.base}/consents/exports/{job['id']}").json()
        assert download(fresh["download_url"])[1] == whole


def test_another_organisation_cannot_see_an_export(shop, django_capture_on_commit_callbacks):
    job = start_export(shop, django_capture_on_commit_callbacks)
    other = make_customer("b", "Beta GmbH")
    _, other_secret = make_key(other)
    response = api_client(other_secret).get(f"{shop.base}/consents/exports/{job['id']}")
    assert response.status_code == 404
    unknown = shop.client.get(f"{shop.base}/consents/exports/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404
    assert shop.client.get(f"{shop.base}/consents/exports/nonsense").status_code == 422
    bad = shop.client.post(f"{shop.base}/consents/exports?action=maybe")
    assert bad.status_code == 422
    assert ConsentExport.objects.count() == 1


def test_a_failed_export_says_so_and_leaves_no_file(
    shop, django_capture_on_commit_callbacks, monkeypatch, export_storage
):
    make_records(shop.installation, shop.version, 10)

    def broken(rows):
        raise OSError("disk full")

    monkeypatch.setattr(export_jobs, "csv_lines", broken)
    job = start_export(shop, django_capture_on_commit_callbacks)
    assert job["state"] == "failed"
    assert job["download_url"] is None
    assert not [p for p in Path(export_storage).rglob("*") if p.is_file()]


def test_a_job_runs_once(shop, django_capture_on_commit_callbacks):
    job = start_export(shop, django_capture_on_commit_callbacks)
    assert export_jobs.export_run(job["id"]) is None  # already done: nothing to take


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_while_the_export_runs(shop, monkeypatch):
    """Read from another connection between batches, as the portal and the API read it."""
    make_records(shop.installation, shop.version, 50)
    monkeypatch.setattr(export_jobs, "BATCH", 10)
    monkeypatch.setattr(export_jobs, "PROGRESS_SECONDS", 0)
    seen = []
    if connection.vendor == "postgresql":
        reader = connections.create_connection("default")
    else:
        reader = connection  # one SQLite connection: the export writes progress through it
    render = export_jobs.csv_lines

    def observed(rows):
        with reader.cursor() as cursor:
            cursor.execute("SELECT rows_total, rows_done FROM api_consentexport")
            seen.append(cursor.fetchone())
        return render(rows)

    monkeypatch.setattr(export_jobs, "csv_lines", observed)
    try:
        # Outside a transaction the job is queued at once, and the queue runs it at once.
        job = export_jobs.export_request(shop.installation, fmt="csv", filters={})
    finally:
        if reader is not connection:
            reader.close()
    assert seen == [(50, done) for done in range(0, 50, 10)]
    job.refresh_from_db()
    assert (job.state, job.rows_done, job.progress) == ("done", 50, 1.0)


def _grow(installation, version, count: int) -> None:
    """`count` records of `installation`, doubled by INSERT … SELECT (fast on both databases);
    the copies share a consent ID and have no client time, so the unique index takes them."""
    make_record(installation, version, client_time=None)
    table = ConsentRecord._meta.db_table
    columns = [f.column for f in ConsentRecord._meta.concrete_fields if f.column != "id"]
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        while (have := ConsentRecord.objects.filter(installation=installation).count()) < count:
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {table} "  # noqa: S608
                f"WHERE installation_id = %s LIMIT %s",
                [installation.pk, min(have, count - have)],
            )


def _peak_of_export(installation) -> tuple[int, int]:
    job = export_jobs.export_request(installation, fmt="csv", filters={})
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        export_jobs.export_run(str(job.pk))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    job.refresh_from_db()
    assert job.state == "done"
    return peak, job.rows_done


def test_memory_does_not_grow_with_the_rows(shop):
    small, small_version = published(shop, name="Small")
    _grow(small, small_version, 50_000)
    _grow(shop.installation, shop.version, 200_000)
    small_peak, small_rows = _peak_of_export(small)
    large_peak, large_rows = _peak_of_export(shop.installation)
    assert (small_rows, large_rows) == (50_000, 200_000)
    # Four times the rows: the peak is one batch either way (a list of rows would be 4x).
    assert large_peak < small_peak * 1.3 + 256 * 1024, (small_peak, large_peak)
    assert large_peak < 16 * 1024 * 1024


def test_file_and_job_go_seven_days_after_the_request(
    shop, django_capture_on_commit_callbacks, export_storage
):
    from consentserve.privacy.retention import retention_run

    requested = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    make_records(shop.installation, shop.version, 5)
    with time_machine.travel(requested, tick=False):
        job = start_export(shop, django_capture_on_commit_callbacks)
    stored = Path(export_storage) / ConsentExport.objects.get().file
    assert stored.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        retention_run(now=requested + timedelta(days=6, hours=23))
    assert ConsentExport.objects.filter(pk=job["id"]).exists()
    assert stored.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        runs = retention_run(now=requested + timedelta(days=7, minutes=1))
    assert not ConsentExport.objects.exists()
    assert not stored.exists()
    assert ConsentRecord.objects.count() == 5  # the records themselves stay
    (run,) = [r for r in runs if r.store == "api.ConsentExport"]
    assert run.deleted == 1


def test_a_job_whose_worker_died_is_marked_failed_and_its_temporary_file_removed(
    shop, export_storage
):
    import os

    now = timezone.now()
    dead = ConsentExport.objects.create(
        installation=shop.installation,
        format="csv",
        state="running",
        heartbeat_at=now - timedelta(minutes=16),
    )
    alive = ConsentExport.objects.create(
        installation=shop.installation,
        format="csv",
        state="running",
        heartbeat_at=now - timedelta(seconds=30),
    )
    tmp = Path(export_storage) / "tmp"
    tmp.mkdir(parents=True)
    old, new = tmp / "old.part", tmp / "new.part"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    # Long ago and just now, by the process's clock: under the suite's shifted clock the
    # file system still stamps files with the real one.
    os.utime(old, (86_400, 86_400))
    os.utime(new, (now.timestamp(), now.timestamp()))
    assert export_jobs.exports_sweep(now=now) == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.state, alive.state) == ("failed", "running")
    assert not old.exists()
    assert new.exists()
