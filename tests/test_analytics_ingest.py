"""Issue 7, first-party analytics: `POST /a/<key>/event` driven in process through the raw
ASGI application with the real group-commit writer (T1, C.2, section 0 items 1, 2, 10)."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from test_collector_ingest import published_installation, run

from consentserve.analytics import writer as writer_module
from consentserve.analytics.asgi import analytics_app
from consentserve.analytics.models import (
    AnalyticsDaily,
    AnalyticsEvent,
    AnalyticsSalt,
    AnalyticsVisitor,
)
from consentserve.analytics.visitors import salt_for, salt_forget, visitor_hash
from consentserve.collector.asgi import client_ip
from consentserve.collector.published import loader_close
from consentserve.collector.testing import asgi_request
from consentserve.installations.operator import operator_banner_ensure
from consentserve.privacy.retention import retention_run

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = "http://localhost:8000"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


async def _inner(scope, receive, send):
    await send({"type": "http.response.start", "status": 299, "headers": []})
    await send({"type": "http.response.body", "body": b"inner"})


@pytest.fixture(autouse=True)
def _fresh_writer():
    writer_module.writer_reset()
    salt_forget()
    yield
    writer_module.writer_reset()
    salt_forget()
    loader_close()


@pytest.fixture
def app():
    return analytics_app(_inner)


@pytest.fixture
def key():
    installation, _version, _published = operator_banner_ensure()
    return installation.public_key


def event(**changes) -> dict:
    body = {"type": "pageview", "path": "/de/", "referrer": "", "screen": "l", "language": "de"}
    body.update(changes)
    return body


def post(app, key, body, *, origin=ORIGIN, agent=CHROME, ip="141.0.144.226", **headers):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {"Content-Type": "text/plain;charset=UTF-8", "User-Agent": agent}
    if origin is not None:
        sent["Origin"] = origin
    sent.update(headers)
    return run(asgi_request(app, "POST", f"/a/{key}/event", body=raw, headers=sent, client=(ip, 1)))


def totals() -> dict:
    row = AnalyticsDaily.objects.filter(dimension="total").values(
        "views", "visits", "visitors", "exits"
    )
    return row.get() if row else {}


def test_a_page_view_is_stored_without_ip_or_user_agent_r_t1(app, key):
    response = post(
        app, key, event(path="/de/preise/?q=a@example.com#x", referrer="www.Example.org")
    )
    assert response.status == 204, response.body
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "set-cookie" not in response.headers
    stored = AnalyticsEvent.objects.values().get()
    assert stored["kind"] == "pageview"
    assert stored["path"] == "/de/preise/"
    assert stored["referrer"] == "www.example.org"
    assert (stored["browser"], stored["os"], stored["device"]) == ("Chrome", "Windows", "desktop")
    assert (stored["screen"], stored["language"]) == ("l", "de")
    assert len(stored["visitor"]) == 16
    # Nothing of the address or of the user agent string is kept.
    text = repr(stored)
    assert "141.0.144" not in text
    assert "Mozilla" not in text
    assert "AppleWebKit" not in text
    assert totals() == {"views": 1, "visits": 1, "visitors": 1, "exits": 0}
    page = AnalyticsDaily.objects.get(dimension="page", value="/de/preise/")
    assert (page.views, page.visits) == (1, 1)
    assert AnalyticsDaily.objects.get(dimension="referrer").value == "www.example.org"


def test_the_sites_own_host_is_no_referrer(app, key):
    assert post(app, key, event(referrer="localhost")).status == 204
    assert AnalyticsEvent.objects.get().referrer == ""


@pytest.mark.parametrize(
    ("vectors", "truncated"),
    [
        (("141.0.144.226", "141.0.144.7", "::ffff:141.0.144.99"), "141.0.144.0"),
        (("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3:ffff::1"), "2001:db8:85a3::"),
    ],
)
def test_the_address_is_truncated_before_the_visitor_hash_r_t1(app, key, vectors, truncated):
    for ip in vectors:
        assert client_ip({"client": (ip, 1)}) == truncated
        assert post(app, key, event(), ip=ip).status == 204
    hashes = set(AnalyticsEvent.objects.values_list("visitor", flat=True))
    today = datetime.now(UTC).date()
    installation_id = AnalyticsEvent.objects.first().installation_id
    # One visitor: the hash was made of the truncated address, never of the full one.
    assert hashes == {visitor_hash(salt_for(today), truncated, CHROME, installation_id, today)}
    assert totals()["visitors"] == 1


def test_another_browser_in_the_same_network_is_another_visitor(app, key):
    assert post(app, key, event()).status == 204
    assert post(app, key, event(screen="s"), agent=IPHONE).status == 204
    assert totals() == {"views": 2, "visits": 2, "visitors": 2, "exits": 0}
    device = dict(
        AnalyticsDaily.objects.filter(dimension="device").values_list("value", "visitors")
    )
    assert device == {"desktop": 1, "mobile": 1}


BAD = [
    ("oversized", b'{"type":"pageview","path":"/' + b"a" * 2100 + b'"}', 413, "too_large"),
    ("not JSON", b"type=pageview", 400, "invalid_json"),
    ("not UTF-8", b'{"type":"pageview","path":"/\xff"}', 400, "invalid_json"),
    ("not an object", b'["pageview"]', 400, "not_an_object"),
    ("missing type", {"path": "/"}, 400, "missing_fields"),
    ("unknown field", event(ip="1.2.3.4"), 400, "unknown_fields"),
    ("wrong kind", event(type="click"), 400, "invalid_field"),
    ("path a number", event(path=5), 400, "invalid_field"),
    ("relative path", event(path="de/"), 400, "invalid_field"),
    ("long path", event(path="/" + "a" * 1100), 400, "invalid_field"),
    ("control character", event(path="/a\nb"), 400, "invalid_field"),
    ("referrer a URL", event(referrer="https://example.org/x"), 400, "invalid_field"),
    ("referrer a list", event(referrer=["example.org"]), 400, "invalid_field"),
    ("screen", event(screen="huge"), 400, "invalid_field"),
    ("language", event(language="de-DE"), 400, "invalid_field"),
    ("language a bool", event(language=True), 400, "invalid_field"),
]


@pytest.mark.parametrize(("name", "body", "status", "code"), BAD, ids=[b[0] for b in BAD])
def test_bad_payloads_answer_4xx_json_and_store_nothing(app, key, name, body, status, code):
    response = post(app, key, body)
    assert response.status == status, response.body
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == code
    assert response.json()["message"]
    assert not AnalyticsEvent.objects.exists()
    assert not AnalyticsDaily.objects.exists()


def test_unknown_installation_foreign_origin_and_other_requests_are_refused(app, key):
    customer, _version = published_installation()
    cases = [
        (post(app, "nosuchkey", event()), 404, "unknown_installation"),
        # A published customer installation without analytics.
        (
            post(app, customer.public_key, event(), origin="https://shop.example.com"),
            404,
            "unknown_installation",
        ),
        (post(app, key, event(), origin="https://evil.example.net"), 403, "origin_not_allowed"),
        (post(app, key, event(), origin=None), 403, "origin_not_allowed"),
        (
            post(app, key, event(), **{"Content-Type": "application/x-www-form-urlencoded"}),
            415,
            "unsupported_media_type",
        ),
        (run(asgi_request(app, "GET", f"/a/{key}/event")), 405, "method_not_allowed"),
    ]
    for response, status, code in cases:
        assert (response.status, response.json()["error"]) == (status, code), response.body
    assert not AnalyticsEvent.objects.exists()
    assert not AnalyticsDaily.objects.exists()


@override_settings(CONSENTSERVE_ANALYTICS_OPERATOR=False)
def test_switched_off_the_operator_site_takes_no_events(app, key):
    assert post(app, key, event()).status == 404
    assert not AnalyticsEvent.objects.exists()


@override_settings(CONSENTSERVE_ANALYTICS_RATE=3)
def test_rate_limited_per_truncated_network(app, key):
    statuses = [post(app, key, event(), ip=f"141.0.144.{n}").status for n in range(1, 6)]
    assert statuses == [204, 204, 204, 429, 429]
    assert AnalyticsEvent.objects.count() == 3


def test_other_paths_reach_the_inner_application(app):
    response = run(asgi_request(app, "GET", "/de/"))
    assert (response.status, response.body) == (299, b"inner")


def test_visits_entries_and_exits_from_the_daily_hash(app, key):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        post(app, key, event(path="/de/", referrer="news.example.org"))
        post(app, key, event(type="exit", path="/de/"))
        traveller.shift(timedelta(minutes=2))
        post(app, key, event(path="/de/preise/"))  # the exit from /de/ was a link: taken back
        post(app, key, event(type="exit", path="/de/preise/"))
        traveller.shift(timedelta(minutes=45))  # a new visit of the same visitor
        post(app, key, event(path="/de/kontakt/"))
        post(app, key, event(type="exit", path="/de/kontakt/"))
    assert totals() == {"views": 3, "visits": 2, "visitors": 1, "exits": 2}
    pages = {
        row.value: (row.views, row.visits, row.exits)
        for row in AnalyticsDaily.objects.filter(dimension="page")
    }
    assert pages == {"/de/": (1, 1, 0), "/de/preise/": (1, 0, 1), "/de/kontakt/": (1, 1, 1)}
    referrers = dict(
        AnalyticsDaily.objects.filter(dimension="referrer").values_list("value", "visits")
    )
    assert referrers == {"news.example.org": 1, "": 1}


def test_the_salt_is_rotated_daily_and_yesterdays_is_gone(app, key):
    with time_machine.travel(datetime(2026, 3, 2, 23, 50, tzinfo=UTC), tick=False):
        assert post(app, key, event()).status == 204
    first = AnalyticsEvent.objects.get().visitor
    assert list(AnalyticsSalt.objects.values_list("day", flat=True)) == [date(2026, 3, 2)]
    with time_machine.travel(datetime(2026, 3, 3, 0, 10, tzinfo=UTC), tick=False):
        assert post(app, key, event()).status == 204
    second = AnalyticsEvent.objects.latest("id").visitor
    # The same browser in the same network is another visitor the next day, and the salt
    # that made yesterday's hash exists no more.
    assert second != first
    assert list(AnalyticsSalt.objects.values_list("day", flat=True)) == [date(2026, 3, 3)]
    # So are yesterday's visitors' last events, which the writer kept for the visits.
    assert list(AnalyticsVisitor.objects.values_list("visitor", flat=True)) == [second]
    days = dict(AnalyticsDaily.objects.filter(dimension="total").values_list("day", "visitors"))
    assert days == {date(2026, 3, 2): 1, date(2026, 3, 3): 1}


def test_events_are_deleted_after_14_months_and_the_roll_ups_stay(app, key):
    with time_machine.travel(datetime(2026, 1, 5, 12, 0, tzinfo=UTC), tick=False):
        assert post(app, key, event(path="/de/alt/")).status == 204
    with time_machine.travel(datetime(2027, 2, 20, 12, 0, tzinfo=UTC), tick=False):
        assert post(app, key, event(path="/de/neu/")).status == 204
        retention_run(now=datetime.now(UTC))
        assert list(AnalyticsEvent.objects.values_list("path", flat=True)) == [
            "/de/alt/",
            "/de/neu/",
        ]
    with time_machine.travel(datetime(2027, 3, 6, 12, 0, tzinfo=UTC), tick=False):
        retention_run(now=datetime.now(UTC))
    assert list(AnalyticsEvent.objects.values_list("path", flat=True)) == ["/de/neu/"]
    pages = set(AnalyticsDaily.objects.filter(dimension="page").values_list("value", flat=True))
    assert pages == {"/de/alt/", "/de/neu/"}
    # The salts of those days went long before.
    assert not AnalyticsSalt.objects.filter(day__lt=date(2027, 3, 5)).exists()


def test_a_cors_preflight_is_answered_for_the_sites_origin_only(app, key):
    headers = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    allowed = run(asgi_request(app, "OPTIONS", f"/a/{key}/event", headers=headers))
    assert allowed.status == 204
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    headers["Origin"] = "https://evil.example.net"
    refused = run(asgi_request(app, "OPTIONS", f"/a/{key}/event", headers=headers))
    assert refused.status == 403
    assert "access-control-allow-origin" not in refused.headers


@override_settings(CONSENTSERVE_ANALYTICS_QUEUE=1)
def test_a_full_queue_answers_503_and_a_failed_commit_stores_nothing(app, key, monkeypatch):
    writer = writer_module.writer_get()
    monkeypatch.setattr(writer._queue, "qsize", lambda: 1)
    response = post(app, key, event())
    assert (response.status, response.json()["error"]) == (503, "busy")
    assert response.headers["retry-after"] == "1"
    monkeypatch.undo()

    def broken(rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer_module, "rollups_add", broken)
    response = post(app, key, event())
    assert (response.status, response.json()["error"]) == (503, "unavailable")
    assert not AnalyticsEvent.objects.exists()
    assert not AnalyticsDaily.objects.exists()
