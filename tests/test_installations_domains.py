"""Issue 4: the banner runs only on an installation's domains (exact and wildcard)."""

import pytest
from django.core.exceptions import ValidationError

from consentserve.installations.domains import domain_pattern_clean, origin_allowed

PATTERNS = ["example.com", "*.example.org"]


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://example.com", True),
        ("http://example.com", True),
        ("https://www.example.com", False),
        ("https://badexample.com", False),
        ("https://example.com.evil.net", False),
        ("https://shop.example.org", True),
        ("https://a.b.example.org", True),
        ("https://example.org", False),
        ("https://badexample.org", False),
    ],
)
def test_origin_allowed_exact_and_wildcard(origin, allowed):
    assert origin_allowed(PATTERNS, origin) is allowed


@pytest.mark.parametrize("origin", ["https://example.com:8443", "http://shop.example.org:8080"])
def test_origin_allowed_ignores_the_port(origin):
    assert origin_allowed(PATTERNS, origin)


@pytest.mark.parametrize("origin", ["https://EXAMPLE.com", "https://Shop.Example.ORG"])
def test_origin_allowed_ignores_case(origin):
    assert origin_allowed(PATTERNS, origin)


def test_origin_allowed_matches_idn_in_either_form():
    patterns = [domain_pattern_clean("*.bücher.de"), domain_pattern_clean("Müller.de")]
    assert patterns == ["*.xn--bcher-kva.de", "xn--mller-kva.de"]
    assert origin_allowed(patterns, "https://shop.xn--bcher-kva.de")
    assert origin_allowed(patterns, "https://shop.bücher.de")
    assert origin_allowed(patterns, "https://xn--mller-kva.de")
    assert not origin_allowed(patterns, "https://mueller.de")


@pytest.mark.parametrize(
    "origin", ["null", "", "example.com", "ftp://example.com", "https://example.com:port"]
)
def test_origin_allowed_refuses_opaque_or_malformed_origins(origin):
    assert not origin_allowed(PATTERNS, origin)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Example.COM", "example.com"),
        ("  shop.example.com. ", "shop.example.com"),
        ("*.Example.com", "*.example.com"),
    ],
)
def test_domain_pattern_clean_normalises(typed, stored):
    assert domain_pattern_clean(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "localhost",
        "*",
        "*.com.",
        "shop.*.example.com",
        "**.example.com",
        "https://example.com",
        "example.com/path",
        "exa mple.com",
        "-example.com",
        "192.168.0.1",
        "a" * 64 + ".com",
    ],
)
def test_domain_pattern_clean_rejects_invalid_patterns(typed):
    with pytest.raises(ValidationError):
        domain_pattern_clean(typed)


@pytest.mark.parametrize("typed", ["*.co.uk", "co.uk", "*.github.io", "*.com.de", "*.de"])
def test_domain_pattern_clean_rejects_public_suffixes(typed):
    with pytest.raises(ValidationError) as raised:
        domain_pattern_clean(typed)
    assert raised.value.code in ("public_suffix", "invalid_domain")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("*.example.co.uk", "*.example.co.uk"),
        ("shop.github.io", "shop.github.io"),
        ("*.shop.github.io", "*.shop.github.io"),
        ("bücher.de", "xn--bcher-kva.de"),
    ],
)
def test_domain_pattern_clean_accepts_own_domains_under_public_suffixes(typed, stored):
    assert domain_pattern_clean(typed) == stored


def test_public_suffix_error_names_the_suffix_and_an_example():
    with pytest.raises(ValidationError) as raised:
        domain_pattern_clean("*.co.uk")
    assert raised.value.code == "public_suffix"
    assert "example.co.uk" in raised.value.messages[0]
