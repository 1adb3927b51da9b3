"""Where a banner may run: domain patterns of an installation and the origin check.

A pattern is an exact host (`example.com`) or a wildcard over its subdomains (`*.example.com`,
which matches `shop.example.com` and `a.b.example.com` but not `example.com` itself). Patterns
are kept in their ASCII (IDNA) form in lower case, because that is how browsers send the
`Origin` header; a customer may type the Unicode form.
"""

from collections.abc import Iterable
from functools import cache
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WILDCARD = "*."
# RFC 1035: labels of letters, digits and inner hyphens, at most 63 octets, 253 in all.
_LABEL_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


def _host_ascii(host: str) -> str | None:
    """`host` in lower-case ASCII form, or None when it is no valid DNS host name."""
    host = host.strip().rstrip(".").lower()
    if not host or len(host) > 253:
        return None
    try:
        # The standard codec applies nameprep (which also folds case) to non-ASCII labels.
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = host.split(".")
    if len(labels) < 2:
        return None
    for label in labels:
        if not 1 <= len(label) <= 63 or not set(label) <= _LABEL_CHARS:
            return None
        if label.startswith("-") or label.endswith("-"):
            return None
    # A top-level label of digits only would make an IP address look like a host.
    if labels[-1].isdigit():
        return None
    return host


@cache
def _public_suffixes():
    # Imported on first use: the list takes a moment to parse and only this check needs it.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def is_public_suffix(host: str) -> bool:
    """Whether `host` (ASCII form) is a suffix under which anyone may register names, such as
    `co.uk` or `github.io` (the Public Suffix List, private entries included)."""
    return _public_suffixes().is_public(host)


def domain_pattern_clean(value: str) -> str:
    """The stored form of a domain pattern typed by a customer; ValidationError if invalid."""
    text = value.strip().lower()
    wildcard = text.startswith(WILDCARD)
    host = _host_ascii(text[len(WILDCARD) :] if wildcard else text)
    if host is None or "*" in (text[len(WILDCARD) :] if wildcard else text):
        raise ValidationError(
            _("Enter a host name such as example.com or a wildcard such as *.example.com."),
            code="invalid_domain",
        )
    # `*.co.uk` would let the banner run, and record consents, on everyone's sites.
    if is_public_suffix(host):
        raise ValidationError(
            _(
                "%(host)s is a public suffix that many owners share; enter your own domain, "
                "such as example.%(host)s or *.example.%(host)s."
            ),
            code="public_suffix",
            params={"host": host},
        )
    return WILDCARD + host if wildcard else host


def origin_host(origin: str) -> str | None:
    """The host of a browser `Origin` (scheme, host, optional port) in ASCII form, or None for
    an opaque (`null`) or malformed origin."""
    try:
        parts = urlsplit(origin.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return _host_ascii(host)


def origin_allowed(patterns: Iterable[str], origin: str) -> bool:
    """Whether a page at `origin` may show the banner of an installation with `patterns`.

    The port plays no part: a domain is the customer's whatever port the site runs on."""
    host = origin_host(origin)
    if host is None:
        return False
    for pattern in patterns:
        if pattern.startswith(WILDCARD):
            if host.endswith("." + pattern[len(WILDCARD) :]):
                return True
        elif host == pattern:
            return True
    return False
