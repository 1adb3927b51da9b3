"""The one source of absolute links in mails: CONSENTSERVE_SITE_URL.

A mail is read outside the site, so every link in it must be absolute, and it must point to the
address the operator configured, not to whatever Host header the request that caused the mail
carried (a proxy's internal name, or a spoofed one in a password-reset mail)."""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def site_url(path: str = "/") -> str:
    """`path` (which starts with a slash) under the configured site address."""
    if not path.startswith("/"):
        raise ValueError(f"a site path starts with '/': {path!r}")
    return settings.CONSENTSERVE_SITE_URL.rstrip("/") + path


def rebased(url: str) -> str:
    """`url`, absolute or not, with the site address in place of its scheme and host."""
    parts = urlsplit(url)
    path = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    return site_url(path)
