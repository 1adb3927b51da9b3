"""Issue 18, safety: which URLs and hosts a scan may reach (consentserve/scanner/guard.py)."""

import pytest

from consentserve.scanner.guard import Guard, ScanRefused, address_public


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # the cloud metadata service
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 - an address refused here, nothing binds to it
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fd00:ec2::254",  # the IPv6 metadata service
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",  # NAT64 form of 169.254.169.254
        "2002:7f00:1::",  # 6to4 form of 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address):
    assert not address_public(address)
    with pytest.raises(ScanRefused, match="non-public"):
        Guard().addresses(address, 80)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_are_allowed(address):
    assert address_public(address)
    assert Guard().addresses(address, 443) == [address]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "Only http and https"),
        ("ftp://example.com/", "Only http and https"),
        ("javascript:alert(1)", "Only http and https"),
        ("http://user:pw@example.com/", "user name or password"),
        ("http://127.0.0.1:8000/", "non-public"),
        ("http://169.254.169.254/latest/meta-data/", "non-public"),
        ("http://[::1]/", "non-public"),
        ("http://localhost/", "non-public"),
        ("http://metadata.google.internal/", "not a public host"),
        ("http://example.com:99999/", "not a valid URL"),
        ("http:///nohost", "no host name"),
    ],
)
def test_urls_outside_the_public_web_are_refused_with_a_reason(url, message):
    with pytest.raises(ScanRefused, match=message):
        Guard.for_url(url).url(url)


def test_a_resolve_override_is_checked_like_a_dns_answer():
    guard = Guard.for_url("http://shop.example/", resolve={"shop.example": "127.0.0.1"})
    with pytest.raises(ScanRefused, match="non-public"):
        guard.url("http://shop.example/")
    guard = Guard.for_url("http://shop.example/", resolve={"shop.example": "93.184.216.34"})
    assert guard.url("http://shop.example/") == ("shop.example", 80, ["93.184.216.34"])


def test_allow_private_admits_only_the_site_and_the_named_hosts():
    guard = Guard.for_url(
        "http://shop.test:8000/",
        allow_private=True,
        resolve={"shop.test": "127.0.0.1", "sink.test": "127.0.0.1"},
    )
    assert guard.addresses("shop.test", 8000) == ["127.0.0.1"]
    assert guard.addresses("sink.test", 80) == ["127.0.0.1"]
    # A page of the site cannot steer the browser elsewhere into the network.
    for host in ("127.0.0.1", "localhost", "169.254.169.254", "10.0.0.1"):
        with pytest.raises(ScanRefused):
            guard.addresses(host, 80)


def test_an_offline_scan_reaches_only_the_site_and_the_named_hosts():
    guard = Guard.for_url(
        "http://93.184.216.34/", resolve={"cdn.example": "93.184.216.35"}, offline=True
    )
    assert guard.addresses("93.184.216.34", 80) == ["93.184.216.34"]
    assert guard.addresses("cdn.example", 80) == ["93.184.216.35"]
    with pytest.raises(ScanRefused, match="offline"):
        guard.addresses("example.org", 80)
