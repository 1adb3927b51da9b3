"""Issue 5, exports of the consent log: CSV and JSON Lines of any filtered selection equal the
stored rows field by field, cells that a spreadsheet would run as formulas are quoted, memory
stays bounded however many rows are streamed, and under ASGI the body is streamed too."""

import asyncio
import csv
import io
import json
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import AsyncClient, Client
from test_consent_log_factories import make_records, published
from test_portal_factories import make_customer

from consentserve.collector import exports
from consentserve.collector.models import ConsentRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def a():
    return make_customer("a", "Alpha GmbH")


@pytest.fixture
def shop(a):
    return published(a)


def client_of(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def export_url(installation, fmt="csv", query="") -> str:
    org = installation.organisation_id
    ext = "csv" if fmt == "csv" else "jsonl"
    return f"/en/portal/o/{org}/installations/{installation.pk}/consents/export.{ext}{query}"


def body_of(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def iso(value):
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def stored(records_qs) -> dict[int, dict]:
    """Every field of the stored rows, as the export documents it."""
    fields = (
        "pk",
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
    rows = {}
    for values in records_qs.values_list(*fields):
        row = dict(zip(exports.COLUMNS, values, strict=True))
        row["created_at"] = iso(row["created_at"])
        row["client_time"] = iso(row["client_time"])
        rows[row["record_id"]] = row
    return rows


def unquoted(cell: str) -> str:
    """A CSV cell as stored: the export quotes cells that start like a formula."""
    if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return cell[1:]
    return cell


def parsed_csv(body: bytes) -> dict[int, dict]:
    text = body.decode("utf-8").removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames) == exports.COLUMNS
    rows = {}
    for row in reader:
        row = {key: unquoted(value) for key, value in row.items()}
        rows[int(row["record_id"])] = row | {
            "record_id": int(row["record_id"]),
            "version": int(row["version"]),
            "choices": json.loads(row["choices"]),
            "layer": int(row["layer"]),
            "gpc": {"true": True, "false": False}[row["gpc"]],
            "client_time": row["client_time"] or None,
        }
    return rows


def parsed_jsonl(body: bytes) -> dict[int, dict]:
    rows = {}
    for line in body.decode().splitlines():
        document = json.loads(line)
        assert tuple(document) == exports.COLUMNS
        rows[document["record_id"]] = document
    return rows


def test_exports_follow_the_filters_and_the_organisation_export_spans_installations(a, shop):
    installation, version = shop
    other, other_version = published(a, name="Blog")
    make_records(installation, version, 40)
    make_records(other, other_version, 10, first=100)
    client = client_of(a.viewer)
    custom = parsed_jsonl(body_of(client.get(export_url(installation, "json", "?action=custom"))))
    assert custom == stored(
        ConsentRecord.objects.filter(installation=installation, action="custom")
    )
    org = a.organisation.pk
    everything = parsed_csv(body_of(client.get(f"/en/portal/o/{org}/consents/export.csv")))
    assert everything == stored(ConsentRecord.objects.all())
    blog_de = parsed_csv(
        body_of(
            client.get(
                f"/en/portal/o/{org}/consents/export.csv?installation={other.pk}&language=de"
            )
        )
    )
    assert blog_de == stored(ConsentRecord.objects.filter(installation=other, language="de"))


def test_bad_export_filters_get_400_with_a_message(a, shop):
    installation, _version = shop
    response = client_of(a.viewer).get(export_url(installation, "csv", "?version=x"))
    assert response.status_code == 400
    assert b"The filters are not valid" in response.content
    assert b"Version" in response.content


def test_csv_cells_that_look_like_formulas_are_quoted(a, shop):
    installation, version = shop
    make_records(
        installation,
        version,
        1,
        consent_id="-" + "a" * 21,
        browser='=HYPERLINK("https://evil.example")',
        os="+1+1",
        origin="@SUM(A1)",
        path="/fine",
    )
    body = body_of(client_of(a.viewer).get(export_url(installation, "csv"))).decode()
    row = next(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"), newline="")))
    assert row["consent_id"] == "'-" + "a" * 21
    assert row["browser"] == '\'=HYPERLINK("https://evil.example")'
    assert row["os"] == "'+1+1"
    assert row["origin"] == "'@SUM(A1)"
    assert row["path"] == "/fine"
    # JSON Lines keeps the values exactly.
    line = body_of(client_of(a.viewer).get(export_url(installation, "json"))).decode()
    assert json.loads(line)["os"] == "+1+1"


def _peak_of_export(client, url) -> tuple[int, int]:
    tracemalloc.start()
    try:
        response = client.get(url)
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, size


def test_exports_equal_the_stored_rows_and_memory_does_not_grow_with_them(a, shop):
    """20,000 records exported in both formats equal the stored rows, every field; streaming
    them needs less than twice the memory that 2,000 need."""
    installation, version = shop
    client = client_of(a.viewer)  # everyone in the organisation may export
    make_records(installation, version, 2_000)
    # Warm caches and imports with a small selection, then measure.
    _peak_of_export(client, export_url(installation, "csv", "?action=custom&language=en"))
    small_peak, small_size = _peak_of_export(client, export_url(installation, "csv"))
    make_records(installation, version, 18_000, first=2_000)
    large_peak, large_size = _peak_of_export(client, export_url(installation, "csv"))
    assert large_size > 9 * small_size
    # Ten times the rows, less than twice the memory: the rows are never all held at once.
    assert large_peak < 2 * small_peak, (small_peak, large_peak)
    assert large_peak < 4 * 1024 * 1024, large_peak

    expected = stored(ConsentRecord.objects.all())
    assert len(expected) == 20_000
    response = client.get(export_url(installation, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="consent-records-' in response["Content-Disposition"]
    assert parsed_csv(body_of(response)) == expected
    response = client.get(export_url(installation, "json"))
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    chunks = list(response.streaming_content)
    # JSON Lines is cut into chunks of about 64 KB as CSV is: none holds the whole export.
    assert len(chunks) > 20
    assert max(len(chunk) for chunk in chunks) < exports.CHUNK_BYTES + 4096
    assert parsed_jsonl(b"".join(chunks)) == expected


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_export_is_an_asynchronous_stream(a, shop):
    installation, version = shop
    make_records(installation, version, 300)

    async def fetch():
        client = AsyncClient()
        await client.aforce_login(a.viewer.user)
        response = await client.get(export_url(installation, "json"))
        assert response.streaming
        assert hasattr(response.streaming_content, "__aiter__")
        chunks = [chunk async for chunk in response.streaming_content]
        # The view ran in the thread for synchronous code; its connection ends with the test.
        await sync_to_async(connections.close_all)()
        return response.status_code, b"".join(chunks)

    # In a thread of its own: an earlier test (the browser's) may run an event loop here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        status, body = pool.submit(asyncio.run, fetch()).result()
    assert status == 200
    assert parsed_jsonl(body) == stored(ConsentRecord.objects.all())
