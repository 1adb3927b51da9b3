"""The customer API's routes (issue 5, item 5): installations, consent records (pages and
export), statistics, and the shapes of its errors."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.test import AsyncClient
from test_api_factories import (
    START,
    api_client,
    make_key,
    make_record,
    make_records,
    published,
    republish,
)
from test_portal_factories import make_customer

from consentserve.collector.models import ConsentRecord
from consentserve.collector.rollups import rollups_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    customer = make_customer("a", "Alpha GmbH")
    customer.installation, customer.version = published(customer)
    customer.key, customer.secret = make_key(customer)
    customer.client = api_client(customer.secret)
    customer.base = f"/api/v1/installations/{customer.installation.pk}"
    return customer


def all_pages(client, url, **params):
    items, cursor, pages = [], None, 0
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages


def test_installations_list_detail_and_versions(shop):
    installation = shop.installation
    second = republish(installation, shop)
    unpublished, _ = published(shop, name="Blog")
    listed = shop.client.get("/api/v1/installations").json()
    assert [item["name"] for item in listed] == ["Blog", "Shop"]
    item = listed[1]
    assert item["id"] == installation.pk
    assert item["public_key"] == installation.public_key
    assert item["domains"] == ["shop.a.example"]
    assert item["newest_version"] == 2
    detail = shop.client.get(shop.base).json()
    assert detail == item
    assert detail["newest_published_at"].startswith(str(second.published_at.date()))
    versions = shop.client.get(f"{shop.base}/versions").json()
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[1]["sha256"] == shop.version.sha256
    assert versions[1]["texts_sha256"] == shop.version.config["sha256"]
    one = shop.client.get(f"{shop.base}/versions/1").json()
    assert one["config"] == shop.version.config
    assert one["config"]["texts"]["en"]["title"] != "Version two"
    assert shop.client.get(f"{shop.base}/versions/2").json()["config"]["texts"]["en"]["title"] == (
        "Version two"
    )
    assert shop.client.get(f"{shop.base}/versions/3").status_code == 404
    assert shop.client.get(f"/api/v1/installations/{unpublished.pk}/versions").status_code == 200


def test_a_consent_record_as_the_api_shows_it(shop):
    record = make_record(shop.installation, shop.version, action="custom", n=7)
    body = shop.client.get(f"{shop.base}/consents").json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert item == {
        "id": record.pk,
        "consent_id": record.consent_id,
        "created_at": "2026-03-01T09:00:00Z",
        "action": "custom",
        "version": 1,
        "sha256": shop.version.config["sha256"],
        "categories": record.choices["categories"],
        "services": record.choices["services"],
        "layer": 1,
        "gpc": False,
        "language": "en",
        "ip": "203.0.7.0",
        "browser": "Firefox",
        "os": "Linux",
        "origin": "https://shop.example.com",
        "path": "/page/7",
        "client_time": "2026-03-01T08:59:59Z",
    }


def test_filters_narrow_the_list(shop):
    records = make_records(shop.installation, shop.version, 30)
    second = republish(shop.installation, shop)
    late = make_record(
        shop.installation, second, action="reject_all", at=START + timedelta(days=1), n=99
    )
    url = f"{shop.base}/consents"

    def ids(**params):
        return [item["id"] for item in shop.client.get(url, params).json()["items"]]

    assert ids() == [r.pk for r in records] + [late.pk]
    assert ids(action="gpc") == [r.pk for r in records if r.action == "gpc"]
    assert ids(version=2) == [late.pk]
    assert ids(language="de") == [r.pk for r in records if r.language == "de"]
    assert ids(consent_id=records[4].consent_id) == [records[4].pk]
    # from inclusive, to exclusive; any offset.
    start, end = START + timedelta(seconds=40), START + timedelta(seconds=80)
    assert ids(**{"from": start.isoformat(), "to": end.isoformat()}) == [
        r.pk for r in records if start <= r.created_at < end
    ]
    assert ids(**{"from": "2026-03-01T10:00:40+01:00", "to": "2026-03-01T09:01:20Z"}) == [
        r.pk for r in records if start <= r.created_at < end
    ]
    assert ids(action="reject_all", version=2, language="en") == [late.pk]


@pytest.mark.parametrize("limit", [1, 3, 7, 1000])
def test_cursor_pagination_is_complete_without_duplicates(shop, limit):
    records = make_records(shop.installation, shop.version, 23)
    items, pages = all_pages(shop.client, f"{shop.base}/consents", limit=limit)
    assert [item["id"] for item in items] == [r.pk for r in records]
    assert len({item["id"] for item in items}) == 23
    assert pages == max(1, -(-23 // limit))


def test_pagination_keeps_the_filters(shop):
    records = make_records(shop.installation, shop.version, 40)
    items, _ = all_pages(shop.client, f"{shop.base}/consents", limit=2, action="custom")
    assert [item["id"] for item in items] == [r.pk for r in records if r.action == "custom"]


def _export(client, url, fmt, **params):
    response = client.get(f"{url}/consents/export", {"format": fmt, **params})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    return b"".join(response.streaming_content).decode()


def test_export_equals_the_stored_rows_csv_and_jsonl(shop, monkeypatch):
    from consentserve.api import selectors

    monkeypatch.setattr(selectors, "EXPORT_BATCH", 4)  # several batches for 11 rows
    records = make_records(shop.installation, shop.version, 11)
    listed, _ = all_pages(shop.client, f"{shop.base}/consents")
    lines = _export(shop.client, shop.base, "jsonl").splitlines()
    assert [json.loads(line) for line in lines] == listed
    rows = list(csv.DictReader(io.StringIO(_export(shop.client, shop.base, "csv"))))
    assert [int(row["id"]) for row in rows] == [r.pk for r in records]
    for row, record in zip(rows, ConsentRecord.objects.order_by("created_at", "pk"), strict=True):
        assert row["consent_id"].removeprefix("'") == record.consent_id
        assert row["created_at"] == record.created_at.isoformat()
        assert row["action"] == record.action
        assert row["version"] == "1"
        assert json.loads(row["categories"]) == record.choices["categories"]
        assert json.loads(row["services"]) == record.choices["services"]
        assert row["gpc"] == ("true" if record.gpc else "false")
        assert row["ip"] == record.ip
        assert row["path"] == record.path
        assert row["client_time"] == record.client_time.isoformat()
    gpc = list(csv.DictReader(io.StringIO(_export(shop.client, shop.base, "csv", action="gpc"))))
    assert [int(row["id"]) for row in gpc] == [r.pk for r in records if r.action == "gpc"]


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(shop):
    make_record(shop.installation, shop.version, path="=HYPERLINK(1)", consent_id="-" + "a" * 21)
    (row,) = csv.DictReader(io.StringIO(_export(shop.client, shop.base, "csv")))
    assert row["path"] == "'=HYPERLINK(1)"
    assert row["consent_id"] == "'-" + "a" * 21


def test_export_of_nothing_is_the_header_alone(shop):
    assert _export(shop.client, shop.base, "csv").splitlines() == [
        "id,consent_id,created_at,action,version,sha256,categories,services,layer,gpc,"
        "language,ip,browser,os,origin,path,client_time"
    ]
    assert _export(shop.client, shop.base, "jsonl") == ""


def test_export_under_asgi_streams_an_async_body(shop, monkeypatch):
    """Under ASGI Django would collect a synchronous body in memory before sending it."""
    from asgiref.sync import async_to_sync

    from consentserve.api import selectors

    monkeypatch.setattr(selectors, "EXPORT_BATCH", 3)
    records = make_records(shop.installation, shop.version, 10)

    async def export():
        response = await AsyncClient().get(
            f"{shop.base}/consents/export", {"format": "jsonl"}, headers={"X-API-Key": shop.secret}
        )
        assert response.status_code == 200
        assert response.is_async
        return b"".join([chunk async for chunk in response.streaming_content]).decode()

    body = async_to_sync(export)()
    assert [json.loads(line)["id"] for line in body.splitlines()] == [r.pk for r in records]


def test_statistics_on_a_small_fixture(shop):
    config = shop.version.config
    required = [c["id"] for c in config["categories"] if c["required"]]
    optional = [c["id"] for c in config["categories"] if not c["required"]]
    services = [s["id"] for s in config["services"]]
    day1, day2 = START, START + timedelta(days=1, hours=3)
    make_record(shop.installation, shop.version, action="accept_all", at=day1, n=1)
    make_record(shop.installation, shop.version, action="accept_all", at=day1, n=2)
    make_record(shop.installation, shop.version, action="reject_all", at=day1, n=3)
    # A custom choice: the first optional category and the first service, nothing else.
    make_record(
        shop.installation,
        shop.version,
        action="custom",
        at=day2,
        n=4,
        choices={
            "categories": {c: c in required or c == optional[0] for c in required + optional},
            "services": {s: s == services[0] for s in services},
        },
    )
    # Outside the period: not counted.
    make_record(shop.installation, shop.version, at=START + timedelta(days=5), n=5)
    # The factory writes records past the collector's writer: count them as it would.
    rollups_rebuild(shop.installation.pk)
    body = shop.client.get(
        f"{shop.base}/statistics", {"from": "2026-03-01", "to": "2026-03-03"}
    ).json()
    assert body["from"] == "2026-03-01"
    assert body["to"] == "2026-03-03"
    assert body["timezone"] == "UTC"
    assert body["total"] == 4
    assert body["actions"] == {
        "accept_all": 2,
        "reject_all": 1,
        "custom": 1,
        "withdraw": 0,
        "gpc": 0,
    }
    assert [(d["day"], d["total"]) for d in body["days"]] == [
        ("2026-03-01", 3),
        ("2026-03-02", 1),
        ("2026-03-03", 0),
    ]
    assert body["days"][0]["actions"]["accept_all"] == 2
    assert body["days"][1]["actions"]["custom"] == 1
    categories = {c["id"]: c for c in body["categories"]}
    assert set(categories) == set(required + optional)
    for category in required:
        assert categories[category] | {"id": None} == {
            "id": None,
            "decisions": 4,
            "opted_in": 4,
            "rate": 1.0,
        }
    assert categories[optional[0]]["opted_in"] == 3
    assert categories[optional[0]]["rate"] == 0.75
    for category in optional[1:]:
        assert categories[category]["opted_in"] == 2
        assert categories[category]["rate"] == 0.5
    service_rates = {s["id"]: (s["opted_in"], s["decisions"]) for s in body["services"]}
    assert service_rates == {services[0]: (3, 4), **{s: (2, 4) for s in services[1:]}}


def test_statistics_without_decisions_and_by_default(shop):
    body = shop.client.get(f"{shop.base}/statistics").json()
    assert body["total"] == 0
    assert len(body["days"]) == 30
    assert all(c["rate"] is None and c["decisions"] == 0 for c in body["categories"])


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"from": "2026-01-01", "to": "2027-01-02"}, ["query", "from"]),  # 367 days
        ({"from": "2026-03-02", "to": "2026-03-01"}, ["query", "from"]),
        ({"from": "yesterday"}, ["query", "from"]),
        ({"to": "0001-01-01"}, ["query", "to"]),
        ({"to": "0"}, ["query", "to"]),
    ],
)
def test_statistics_refuse_bad_periods_with_422(shop, params, where):
    response = shop.client.get(f"{shop.base}/statistics", params)
    assert response.status_code == 422
    assert [problem["loc"] for problem in response.json()["detail"]] == [where]


def test_a_whole_year_is_allowed(shop):
    response = shop.client.get(
        f"{shop.base}/statistics", {"from": "2024-01-01", "to": "2024-12-31"}
    )
    assert response.status_code == 200
    assert len(response.json()["days"]) == 366


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"limit": "0"}, ["query", "limit"]),
        ({"limit": "1001"}, ["query", "limit"]),
        ({"limit": "many"}, ["query", "limit"]),
        ({"cursor": "not-a-cursor"}, ["query", "cursor"]),
        ({"action": "maybe"}, ["query", "action"]),
        ({"version": "0"}, ["query", "version"]),
        ({"version": str(2**40)}, ["query", "version"]),
        ({"from": "9999-12-31T23:59:59-05:00"}, ["query", "from"]),
        ({"to": "not a time"}, ["query", "to"]),
        ({"to": "2026-03-01T09:00:00"}, ["query", "to"]),  # no offset: ambiguous
        ({"to": "0.0"}, ["query", "to"]),
        ({"consent_id": "x" * 23}, ["query", "consent_id"]),
        ({"consent_id": "abc\x00"}, ["query", "consent_id"]),  # PostgreSQL takes no NUL
        ({"language": "de\x00"}, ["query", "language"]),
    ],
)
def test_bad_parameters_get_422_with_where_and_what(shop, params, where):
    response = shop.client.get(f"{shop.base}/consents", params)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == where
    assert problem["msg"]


def test_ids_out_of_any_range_are_422_or_404_never_500(shop):
    for url in (
        "/api/v1/installations/99999999999999999999999",
        "/api/v1/installations/0",
        "/api/v1/installations/-1/versions",
        "/api/v1/installations/abc/consents",
        f"{shop.base}/versions/99999999999",
    ):
        response = shop.client.get(url)
        assert response.status_code == 422, url
        assert response.json()["detail"][0]["loc"][0] == "path"
    assert shop.client.get("/api/v1/installations/9223372036854775807").status_code == 404


def test_export_format_must_be_known(shop):
    response = shop.client.get(f"{shop.base}/consents/export", {"format": "xlsx"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "format"]


def test_openapi_document_and_docs_page(shop):
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["info"]["title"] == "CONSENTserve API"
    assert set(document["components"]["securitySchemes"]) == {"BearerKey", "HeaderKey"}
    assert {
        "/api/v1/installations",
        "/api/v1/installations/{installation_id}",
        "/api/v1/installations/{installation_id}/versions",
        "/api/v1/installations/{installation_id}/versions/{number}",
        "/api/v1/installations/{installation_id}/consents",
        "/api/v1/installations/{installation_id}/consents/export",
        "/api/v1/installations/{installation_id}/consents/exports",
        "/api/v1/installations/{installation_id}/consents/exports/{export_id}",
        "/api/v1/installations/{installation_id}/statistics",
    } == set(document["paths"])
    # Read-only but for starting a background export, which changes no data of the customer.
    methods = {(name, m) for name, path in document["paths"].items() for m in path}
    assert {(name, m) for name, m in methods if m != "get"} == {
        ("/api/v1/installations/{installation_id}/consents/exports", "post")
    }
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    # Swagger UI from this server: the CSP allows no CDN and no inline script.
    assert '<script src="/api/v1/docs/assets/swagger-ui-bundle.js">' in html
    assert "/static/api/swagger-init.js" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html
    assert "script-src 'self'" in docs["Content-Security-Policy"]
    bundle = Client().get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert bundle["Content-Type"] == "text/javascript"
    assert b"SwaggerUIBundle" in b"".join(bundle.streaming_content)
    css = Client().get("/api/v1/docs/assets/swagger-ui.css")
    assert css["Content-Type"] == "text/css"
    assert b".swagger-ui" in b"".join(css.streaming_content)  # read to the end: closes the file
    assert Client().get("/api/v1/docs/assets/..%2F__init__.py").status_code == 404
    assert Client().get("/api/v1/docs/assets/redoc.standalone.js").status_code == 404
