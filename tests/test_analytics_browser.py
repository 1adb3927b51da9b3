"""Issue 7 in real Chromium against the real server (uvicorn, the analytics route in front of
the collector and Django): no analytics request, cookie or storage before consent to
statistics; page views and exits after it, with visitor hashes made of the truncated address
only (T1); nothing more after the withdrawal."""

import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime

import pytest
from test_collector_server import CollectorServer

from consentserve.analytics.visitors import visitor_hash

pytestmark = pytest.mark.browser


@pytest.fixture
def website(tmp_path):
    server = CollectorServer(tmp_path, ["manage", "installations_operator_banner"])
    yield server
    server.stop()


def _query(server, sql: str, *args) -> list[tuple]:
    with closing(sqlite3.connect(server.db_path)) as db:
        return db.execute(sql, args).fetchall()


def _events(server) -> list[tuple]:
    return _query(server, "SELECT kind, path FROM analytics_analyticsevent ORDER BY id")


def _wait_for(server, count: int, seconds: float = 10) -> list[tuple]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = _events(server)
        if len(rows) >= count:
            return rows
        time.sleep(0.1)
    return _events(server)


def _analytics_requests(page) -> list[str]:
    seen = []
    page.on("request", lambda r: seen.append(r.url) if "/a/" in r.url else None)
    return seen


def _storage(page) -> tuple[set, int, int]:
    cookies = {c["name"] for c in page.context.cookies()}
    local = page.evaluate("localStorage.length")
    session = page.evaluate("sessionStorage.length")
    return cookies, local, session


@pytest.mark.parametrize("choice", ["Reject all", None])
def test_rejected_or_ignored_no_request_no_storage_r_c2_1(website, page, choice):
    requests = _analytics_requests(page)
    base = f"http://127.0.0.1:{website.port}"
    page.goto(base + "/en/")
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    # The tracker is on the page, blocked.
    tag = 'script[type="text/plain"][data-consent="consentserve-analytics"]'
    assert page.locator(tag).count() == 1
    if choice:
        dialog.get_by_role("button", name=choice).click()
        dialog.wait_for(state="hidden")
    page.goto(base + "/de/")
    page.goto(base + "/en/")
    page.wait_for_timeout(500)
    assert requests == []
    assert _events(website) == []
    cookies, local, session = _storage(page)
    assert cookies <= {"consentserve_consent"}
    assert (local, session) == (0, 0)
    assert bool(cookies) == bool(choice)


def test_after_consent_page_views_arrive_and_stop_on_withdrawal_r_t1(website, page):
    requests = _analytics_requests(page)
    base = f"http://127.0.0.1:{website.port}"
    page.goto(base + "/en/?utm_source=mail")
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Accept all").click()
    dialog.wait_for(state="hidden")
    assert _wait_for(website, 1) == [("pageview", "/en/")]
    page.goto(base + "/de/")
    rows = _wait_for(website, 3)
    assert rows == [("pageview", "/en/"), ("exit", "/en/"), ("pageview", "/de/")]
    # No cookie or storage of the tracker's: only the banner's cookie.
    cookies, local, session = _storage(page)
    assert cookies == {"consentserve_consent"}
    assert (local, session) == (0, 0)
    # Neither the address nor the user agent is stored; the visitor hash is the one of the
    # truncated address (127.0.0.1 -> 127.0.0.0) with the day's salt.
    agent = page.evaluate("navigator.userAgent")
    stored = _query(website, "SELECT * FROM analytics_analyticsevent")
    assert "127.0.0.1" not in repr(stored)
    assert agent not in repr(stored)
    ((salt,),) = _query(website, "SELECT salt FROM analytics_analyticssalt")
    ((installation_id, visitor),) = set(
        _query(website, "SELECT installation_id, visitor FROM analytics_analyticsevent")
    )
    today = datetime.now(UTC).date()
    assert visitor == visitor_hash(bytes.fromhex(salt), "127.0.0.0", agent, installation_id, today)
    assert all(url.endswith("/event") for url in requests)

    # Withdrawal in the banner: the page that is still open sends nothing more, nor do others.
    before = len(_events(website))
    sent = len(requests)
    page.locator("footer [data-consentserve-open]").click()
    dialog.get_by_role("button", name="Alle ablehnen").click()
    dialog.wait_for(state="hidden")
    page.goto(base + "/en/")
    page.goto(base + "/de/")
    page.wait_for_timeout(500)
    assert len(requests) == sent
    assert len(_events(website)) == before
