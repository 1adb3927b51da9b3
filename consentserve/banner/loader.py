"""`GET /c/<public_key>.js`: the newest published configuration of an installation and the
banner runtime in one response, so a visitor's page needs a single request for the banner.

Ready for a CDN (docs/cdn.md): compressed per Accept-Encoding (brotli, gzip or none) with
`Vary: Accept-Encoding` and an ETag per encoding, and no `Vary: Accept-Language`, since the
runtime chooses the language in the browser; one cached copy per encoding serves everyone.

Compiled and compressed answers are stored per (key, version, build) in the database
(encodings.py) and cached in process: published versions never change, and looking up the
newest number first (one indexed query) means a publish is picked up at once."""

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from consentserve.core.locale_middleware import language_neutral
from consentserve.installations.facade import (
    measurement_ids,
    newest_version_number,
    published_config_get,
)

from . import encodings, gtag
from .script_json import script_json

BUNDLE = Path(__file__).resolve().parent / "static" / "banner" / "banner.js"
CONTENT_TYPE = "application/javascript; charset=utf-8"
# Generated keys are token_urlsafe; anything else cannot name an installation.
_KEY = re.compile(r"\A[A-Za-z0-9_-]{1,32}\Z")
# Browsers and CDNs keep the answer 5 minutes: a new version reaches a returning visitor
# within this time, which the portal says after publishing. After that a cache may serve it for
# another 10 while it revalidates in the background (a visitor never waits for us), and a day
# when we fail. A publish reaches every visitor within max-age plus one revalidation
# (docs/cdn.md).
MAX_AGE_SECONDS = 300
CACHE_CONTROL = (
    f"public, max-age={MAX_AGE_SECONDS}, stale-while-revalidate=600, stale-if-error=86400"
)


@lru_cache(maxsize=1)
def _bundle() -> bytes:
    return BUNDLE.read_bytes()


@lru_cache(maxsize=1)
def build() -> str:
    """Names what besides the configuration makes the answer: the runtime and the add-on's
    prologue with its (hashed) address. Stored answers of another build are compiled anew."""
    probe = gtag.prologue({"google-analytics-4": "G-BUILD"}).encode()
    return hashlib.sha256(_bundle() + b"\0" + probe).hexdigest()[:16]


@lru_cache(maxsize=2048)
def _compiled(public_key: str, number: int) -> encodings.Compiled | None:
    found = encodings.stored(public_key, number, build())
    if found is not None:
        return found
    published = published_config_get(public_key, number=number)
    if published is None:
        return None
    # The ETag hashes the whole answer: the configuration, the runtime and the add-on's address.
    compiled = encodings.compress(answer_body(published.config))
    encodings.store(public_key, number, build(), compiled)
    return compiled


def answer_body(config: dict) -> bytes:
    """What the loader answers for `config`: the configuration as a global, the Google Analytics
    prologue where a service has a measurement ID, then the runtime."""
    head = f"window.__CONSENTSERVE_CONFIG__={script_json(config)};\n"
    if not config.get("preview"):  # a preview activates nothing
        head += gtag.prologue(measurement_ids(config))
    return head.encode() + _bundle()


def preview_response(config: dict, layer: str | None) -> HttpResponse:
    """The runtime in preview mode with `config` (the portal's preview frames; `layer` "2"
    opens the second layer): it skips the origin check, reads and writes no cookie or storage,
    records nothing and activates nothing."""
    config = dict(config) | {"preview": True}
    if layer == "2":
        config["preview_layer"] = 2
    return HttpResponse(answer_body(config), content_type=CONTENT_TYPE)


def _not_found() -> HttpResponse:
    response = HttpResponse(
        "/* CONSENTserve: no published banner for this key */\n",
        status=404,
        content_type=CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return language_neutral(response)


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in candidates or etag in candidates


@require_safe
def loader(request, public_key: str) -> HttpResponse:
    # Touches neither session, user, CSRF token nor messages, so the middleware sets no cookie.
    if not _KEY.match(public_key):
        return _not_found()
    number = newest_version_number(public_key)
    compiled = _compiled(public_key, number) if number is not None else None
    if compiled is None:
        return _not_found()
    encoding = encodings.negotiate(request.headers.get("Accept-Encoding", ""))
    etag = compiled.etag_for(encoding)
    if _etag_matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(compiled.bodies[encoding], content_type=CONTENT_TYPE)
        if encoding != "identity":
            response["Content-Encoding"] = encoding
    response["ETag"] = etag
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    # Customers' pages on other origins embed this script.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return language_neutral(response)
