# ruff: noqa: S104 - "0.0.0.0" here is an address value, not a bind
"""Issue 5: the collector's small parts on their own (T1 truncation, rate limit, resends,
origin check, the body's parser, the writer's gathering of groups), without a database."""

import asyncio
import json
import queue
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.db import connection

from consentserve.collector import contract, ratelimit
from consentserve.collector import writer as writer_module
from consentserve.collector.asgi import client_ip, origin_allowed
from consentserve.collector.contract import decision_parse
from consentserve.collector.dedupe import RecentDecisions
from consentserve.collector.errors import Rejected
from consentserve.collector.ratelimit import RateLimit
from consentserve.collector.writer import Writer
from consentserve.privacy.ip import truncate_ip


@pytest.mark.parametrize(
    "address",
    [
        "141.0.144.226",
        "127.0.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "10.20.30.40",
        "2001:db8:85a3:8d3:1319:8a2e:370:7348",
        "::ffff:141.0.144.226",
        "::1",
        "fe80::1%eth0",
    ],
)
def test_the_fast_ipv4_path_agrees_with_the_privacy_apps_truncation_t1(address):
    assert client_ip({"client": (address, 1)}) == truncate_ip(address)


@pytest.mark.parametrize("address", ["01.2.3.4", "1.2.3.256", "1.2.3", "not an address", ""])
def test_odd_peer_addresses_never_pass_untruncated(address):
    truncated = client_ip({"client": (address, 1)})
    assert truncated == "0.0.0.0" or truncated.endswith(".0")
    assert client_ip({"client": None}) == "0.0.0.0"


def test_origin_check_uses_the_installations_rules_plus_exact_loopback_names():
    domains = ("shop.example.com", "*.example.org", "localhost", "127.0.0.1")
    assert origin_allowed(domains, "https://shop.example.com")
    assert origin_allowed(domains, "https://a.b.example.org:8443")
    assert not origin_allowed(domains, "https://example.org")
    assert not origin_allowed(domains, "https://shop.example.com.evil.net")
    assert origin_allowed(domains, "http://localhost:8000")
    assert origin_allowed(domains, "http://127.0.0.1:8000")
    assert not origin_allowed(domains, "ftp://localhost")
    assert not origin_allowed(("shop.example.com",), "http://localhost:8000")
    assert not origin_allowed(domains, "http://[::1]:8000")
    assert not origin_allowed(domains, "null")


def test_token_bucket_refills_over_time(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    limit = RateLimit(30)  # half a token a second
    assert [limit.take("203.0.113.0") for _ in range(30)] == [0.0] * 30
    wait = limit.take("203.0.113.0")
    assert wait == pytest.approx(2.0)
    assert RateLimit.retry_after(wait) == 2
    assert limit.take("198.51.100.0") == 0.0  # another network
    now[0] += 2.0
    assert limit.take("203.0.113.0") == 0.0
    assert limit.take("203.0.113.0") > 0
    assert RateLimit(0).take("203.0.113.0") == 0.0  # 0 turns the limit off


def test_recent_decisions_forget_after_the_window(monkeypatch):
    now = [50.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    recent = RecentDecisions(window=10)
    assert not recent.seen(("a",))
    assert recent.seen(("a",))
    now[0] += 11
    assert not recent.seen(("a",))
    recent.forget(("a",))
    assert not recent.seen(("a",))


# --- parsing: the fast path and the plain one agree -----------------------------------------

_VALID = {
    "consent_id": "AbCdEfGhIjKlMnOpQrSt_-",
    "version": 3,
    "sha256": "0" * 64,
    "action": "custom",
    "categories": {"necessary": True, "statistics": False},
    "services": {"youtube": True},
    "layer": 2,
    "gpc": False,
    "language": "de",
    "path": "/shop/?q=mail@example.com#top",
    "time": 1_767_225_600_000,
}


def _body(**changes) -> bytes:
    body = {**_VALID, **changes}
    return json.dumps({k: v for k, v in body.items() if v is not _DROP}).encode()


_DROP = object()
_BODIES = [
    _body(),
    _body(time=_DROP),
    _body(time=None),
    _body(services={}),
    _body(action="gpc", layer=0, gpc=True),
    _body(language="pt-BR", version=2**31 - 1),
    b"  " + _body() + b"\n",
    _body().replace(b'"layer": 2', b'"layer": 1, "layer": 2'),  # a repeated key: the last
    "\ufeff".encode() + _body(),
    _body().decode().encode("utf-16"),
    _body(path="/caf\u00e9/\u2603"),
    _body(consent_id="AbCdEfGhIjKlMnOpQrSt_\u00e9"),
    _body(consent_id="AbCdEfGhIjKlMnOpQrSt_-\n"),
    _body(consent_id=12),
    _body(version=True),
    _body(version=1.0),
    _body(version=0),
    _body(version=2**31),
    _body(version=2**70),
    _body(sha256="A" * 64),
    _body(action="maybe"),
    _body(categories={"necessary": 1}),
    _body(categories=["necessary"]),
    _body(services=None),
    _body(layer=3),
    _body(layer=True),
    _body(gpc=0),
    _body(language=""),
    _body(language="x" * 9),
    _body(path="shop"),
    _body(path="/" + "a" * 1024),
    _body(path="/a\u0000b"),
    _body(path="/a\u007fb"),
    _body(time=1_577_836_799_999),
    _body(time=4_102_444_800_000),
    _body(time=1.5e12),
    _body(time="now"),
    _body(extra=1),
    _body(layer=_DROP),
    b"[]",
    b"null",
    b"{",
    b'{"a": "\xff"}',
    b"[" * 2000 + b"]" * 2000,
    b'{"consent_id": "\\ud800"}',
    b"NaN",
]


def _outcome(parse, body):
    try:
        return ("stored", parse(body))
    except Rejected as rejected:
        return (rejected.status, rejected.code, rejected.message)


@pytest.mark.parametrize("body", _BODIES)
def test_the_fast_parser_answers_every_body_as_the_plain_checks_do(body):
    assert _outcome(decision_parse, body) == _outcome(contract._decision_parse_checked, body)


def test_the_fast_parser_keeps_the_query_string_and_fragment_out():
    decision = decision_parse(_body())
    assert decision.path == "/shop/"
    assert decision.time == datetime(2026, 1, 1, 0, 0, 0, 0, tzinfo=UTC)


# --- the writer: groups gathered by the event loop --------------------------------------------


def _run(coroutine):
    """On a thread of its own: other tests (the browser's) may leave a loop running here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_turn_of_the_event_loop_hands_its_requests_over_as_one_group(monkeypatch):
    groups = []
    monkeypatch.setattr(
        Writer, "_insert", lambda self, rows: groups.append(rows) or ["stored"] * len(rows)
    )
    writer = Writer(queue_size=10, group=500, wait_seconds=1.0)

    async def scenario():
        first = [writer.submit((i,)) for i in range(3)]  # one turn of the loop
        outcomes = await asyncio.gather(*first)
        await asyncio.sleep(0.01)
        later = await writer.submit((3,))
        return outcomes, later

    try:
        outcomes, later = _run(scenario())
    finally:
        writer.stop()
    assert outcomes == ["stored"] * 3
    assert later == "stored"
    assert groups == [[(0,), (1,), (2,)], [(3,)]]


def test_the_bound_counts_rows_still_gathering(monkeypatch):
    monkeypatch.setattr(Writer, "_insert", lambda self, rows: ["stored"] * len(rows))
    writer = Writer(queue_size=2, group=500, wait_seconds=1.0)

    async def scenario():
        futures = [writer.submit((1,)), writer.submit((2,))]
        with pytest.raises(queue.Full):
            writer.submit((3,))
        return await asyncio.gather(*futures)

    try:
        assert _run(scenario()) == ["stored", "stored"]
    finally:
        writer.stop()


def test_a_full_group_is_handed_over_without_waiting_for_the_loop(monkeypatch):
    groups = []
    monkeypatch.setattr(
        Writer, "_insert", lambda self, rows: groups.append(len(rows)) or ["stored"] * len(rows)
    )
    writer = Writer(queue_size=100, group=4, wait_seconds=1.0)

    async def scenario():
        return await asyncio.gather(*(writer.submit((i,)) for i in range(10)))

    try:
        assert _run(scenario()) == ["stored"] * 10
    finally:
        writer.stop()
    assert groups == [4, 4, 2]


def test_the_writer_checkpoints_between_groups(monkeypatch):
    monkeypatch.setattr(Writer, "_insert", lambda self, rows: ["stored"] * len(rows))
    calls = []
    monkeypatch.setattr(Writer, "_checkpoint", lambda self: calls.append("checkpoint"))
    monkeypatch.setattr(writer_module, "CHECKPOINT_ROWS", 3)
    writer = Writer(queue_size=100, group=2, wait_seconds=0)

    async def scenario():
        for i in range(4):
            await writer.submit((i,))

    try:
        _run(scenario())
    finally:
        writer.stop()
    assert calls == ["checkpoint"]  # after the third row, not yet again after the fourth


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 1, 12, 0, 5, 123456, tzinfo=UTC),
        datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC),
        None,
    ],
)
def test_the_writers_datetime_conversion_is_djangos(moment):
    assert writer_module._datetime_adapter()(moment) == connection.ops.adapt_datetimefield_value(
        moment
    )
