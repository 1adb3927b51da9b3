# ruff: noqa: S104 - "0.0.0.0" here is an address value, not a bind
"""Issue 5: the collector's small parts on their own (T1 truncation, rate limit, resends,
origin check), without a database."""

import time

import pytest

from consentserve.collector import ratelimit
from consentserve.collector.asgi import _client_ip, _origin_allowed
from consentserve.collector.dedupe import RecentDecisions
from consentserve.collector.ratelimit import RateLimit
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
    assert _client_ip({"client": (address, 1)}) == truncate_ip(address)


@pytest.mark.parametrize("address", ["01.2.3.4", "1.2.3.256", "1.2.3", "not an address", ""])
def test_odd_peer_addresses_never_pass_untruncated(address):
    truncated = _client_ip({"client": (address, 1)})
    assert truncated == "0.0.0.0" or truncated.endswith(".0")
    assert _client_ip({"client": None}) == "0.0.0.0"


def test_origin_check_uses_the_installations_rules_plus_exact_loopback_names():
    domains = ("shop.example.com", "*.example.org", "localhost", "127.0.0.1")
    assert _origin_allowed(domains, "https://shop.example.com")
    assert _origin_allowed(domains, "https://a.b.example.org:8443")
    assert not _origin_allowed(domains, "https://example.org")
    assert not _origin_allowed(domains, "https://shop.example.com.evil.net")
    assert _origin_allowed(domains, "http://localhost:8000")
    assert _origin_allowed(domains, "http://127.0.0.1:8000")
    assert not _origin_allowed(domains, "ftp://localhost")
    assert not _origin_allowed(("shop.example.com",), "http://localhost:8000")
    assert not _origin_allowed(domains, "http://[::1]:8000")
    assert not _origin_allowed(domains, "null")


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
