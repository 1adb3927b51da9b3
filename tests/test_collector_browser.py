"""Issue 5, end to end in real Chromium: the website's own banner, served by the real server
(uvicorn with the collector in front of Django), records "accept all" in the database. The
proof that the runtime's payload and the collector's contract agree."""

import sqlite3
import time
from contextlib import closing

import pytest
from test_collector_server import CollectorServer

pytestmark = pytest.mark.browser


@pytest.fixture
def website(tmp_path):
    # Development mode: the operator's banner lists the loopback names the browser uses here.
    server = CollectorServer(tmp_path, ["manage", "installations_operator_banner"])
    yield server
    server.stop()


def _records(server) -> list[tuple]:
    with closing(sqlite3.connect(server.db_path)) as db:
        return db.execute(
            "SELECT consent_id, action, choices, layer, language, path, origin, browser,"
            " client_time IS NOT NULL FROM collector_consentrecord ORDER BY id"
        ).fetchall()


def _wait_for_records(server, count: int, seconds: float = 10) -> list[tuple]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = _records(server)
        if len(rows) >= count:
            return rows
        time.sleep(0.1)
    return _records(server)


def test_accept_all_in_chromium_is_recorded_by_the_collector_r_t4(website, page):
    base = f"http://127.0.0.1:{website.port}"
    page.goto(base + "/en/?campaign=spring")
    dialog = page.get_by_role("dialog")
    # The answer may reach the page after the row is committed: wait for it, not the row.
    with page.expect_response(lambda r: r.url.endswith("/consent"), timeout=10_000) as answer:
        dialog.get_by_role("button", name="Accept all").click()
    dialog.wait_for(state="hidden")
    answers = [answer.value.status]
    rows = _wait_for_records(website, 1)
    cookie = next(c for c in page.context.cookies() if c["name"] == "consentserve_consent")
    consent_id = cookie["value"].split("%7C" if "%7C" in cookie["value"] else "|")[1]
    assert len(rows) == 1, (rows, answers)
    stored_id, action, choices, layer, language, path, origin, browser, has_time = rows[0]
    assert stored_id == consent_id
    assert (action, layer, language, path, origin) == ("accept_all", 1, "en", "/en/", base)
    assert '"statistics":true' in choices.replace(" ", "")
    assert browser  # Chromium's family, parsed from its user agent
    assert has_time
    assert answers == [204]
