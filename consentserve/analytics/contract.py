"""The body of `POST /a/<key>/event` as the tracker (static/analytics/tracker.js) sends it.

A JSON object with exactly these keys, at most MAX_BODY bytes:

| key | value |
|---|---|
| `type` | `pageview` or `exit` |
| `path` | `location.pathname`: starts with `/`, at most 1024 characters; `?…`, `#…` cut off |
| `referrer` | the referring page's host name, only when it is another site's; else `""` |
| `screen` | `s` (< 640 px wide), `m` (< 1024), `l` (< 1440), `xl`, or `""` |
| `language` | the browser's language, its primary subtag (`de`, `en`, …), or `""` |

`parse` raises the collector's `Rejected` (400) with a stable code; it touches no database."""

import re
from dataclasses import dataclass

import msgspec

from consentserve.collector.errors import Rejected
from consentserve.core.text import Unstorable, storable

MAX_BODY = 2048
MAX_PATH = 1024
KINDS = frozenset({"pageview", "exit"})
SCREENS = ("s", "m", "l", "xl")
KEYS = frozenset({"type", "path", "referrer", "screen", "language"})
_HOST = re.compile(
    r"\A[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\Z"
)
_LANGUAGE = re.compile(r"\A[a-z]{2,3}\Z")
_decode = msgspec.json.Decoder().decode


@dataclass(frozen=True, slots=True)
class Body:
    kind: str
    path: str
    referrer: str
    screen: str
    language: str


def parse(raw: bytes) -> Body:
    try:
        data = _decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):  # deep nesting: 400 too
        raise Rejected(400, "invalid_json", "The body is not JSON text in UTF-8.") from None
    if not isinstance(data, dict):
        raise Rejected(400, "not_an_object", "The body must be a JSON object.")
    unknown = set(data) - KEYS
    if unknown:
        raise Rejected(400, "unknown_fields", f"Unknown keys: {', '.join(sorted(unknown))}.")
    missing = {"type", "path"} - set(data)
    if missing:
        raise Rejected(400, "missing_fields", f"Missing keys: {', '.join(sorted(missing))}.")
    kind = data["type"]
    if kind not in KINDS:
        raise _invalid("type", "must be pageview or exit")
    path = _text(data, "path", MAX_PATH)
    path = path.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        raise _invalid("path", "must start with /")
    referrer = _text(data, "referrer", 253).lower()
    if referrer and not _HOST.match(referrer):
        raise _invalid("referrer", "must be a host name")
    screen = _text(data, "screen", 2)
    if screen and screen not in SCREENS:
        raise _invalid("screen", "must be one of s, m, l, xl")
    language = _text(data, "language", 3).lower()
    if language and not _LANGUAGE.match(language):
        raise _invalid("language", "must be a language code such as de")
    return Body(kind, path[:255], referrer, screen, language)


def _text(data: dict, key: str, longest: int) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise _invalid(key, "must be a string")
    # Storable text, checked before the event is queued with others (consentserve.core.text).
    try:
        return storable(value, longest)
    except Unstorable as error:
        raise _invalid(key, error.reason) from None


def _invalid(key: str, why: str) -> Rejected:
    return Rejected(400, "invalid_field", f"{key} {why}.")
