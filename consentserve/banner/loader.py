"""`GET /c/<public_key>.js`: the newest published configuration of an installation and the
banner runtime in one response, so a visitor's page needs a single request for the banner.

Compiled texts are cached in process per (key, version): published versions never change, and
looking up the newest number first (one indexed query) means a publish is picked up at once."""

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from consentserve.installations.facade import (
    measurement_ids,
    newest_version_number,
    published_config_get,
)

from . import gtag
from .script_json import script_json

BUNDLE = Path(__file__).resolve().parent / "static" / "banner" / "banner.js"
CONTENT_TYPE = "application/javascript; charset=utf-8"
# Generated keys are token_urlsafe; anything else cannot name an installation.
_KEY = re.compile(r"\A[A-Za-z0-9_-]{1,32}\Z")
# How long browsers and proxies keep the loader: a new version reaches a returning visitor
# within this time, which the portal says after publishing.
MAX_AGE_SECONDS = 300


@lru_cache(maxsize=1)
def _bundle() -> bytes:
    return BUNDLE.read_bytes()


@lru_cache(maxsize=2048)
def _compiled(public_key: str, number: int) -> tuple[bytes, str] | None:
    published = published_config_get(public_key, number=number)
    if published is None:
        return None
    body = answer_body(published.config)
    # Of the whole answer: the configuration, the runtime and the add-on's (hashed) address.
    etag = hashlib.sha256(body).hexdigest()[:32]
    return body, f'"{etag}"'


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
    return response


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
    body, etag = compiled
    if _etag_matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE_SECONDS}"
    response["X-Content-Type-Options"] = "nosniff"
    # Customers' pages on other origins embed this script.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
