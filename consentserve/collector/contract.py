"""The body of `POST /c/<key>/consent` as the banner runtime sends it, and its checks.

Checking is in two steps: `decision_parse` needs only the bytes (size, JSON, keys, types);
`decision_check` needs the published version the visitor was shown (sha256, categories and
services, required categories, language). Both raise `Rejected`; neither touches the database.

Parsing has a fast path: msgspec decodes and type-checks a body in one step into `_Body`, whose
rules are the same as the checks below, or stricter (it takes only UTF-8, for one). Whatever it
refuses goes through the plain path (`json` and the checks one by one), which decides and
words the answer, so a body gets the same answer either way, in about a fifth of the time.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec

from consentserve.core.text import Unstorable, storable

from .errors import Rejected

MAX_BODY = 4096
MAX_PATH = 1024
MAX_LANGUAGE = 8
MAX_ID = 100  # a category's or service's ID, as the statistics store it
ACTIONS = frozenset({"accept_all", "reject_all", "custom", "withdraw", "gpc"})
KEYS = frozenset(
    {
        "consent_id",
        "version",
        "sha256",
        "action",
        "categories",
        "services",
        "layer",
        "gpc",
        "language",
        "path",
    }
)
# `time` (the decision's time on the device) is optional until every deployed runtime sends it.
OPTIONAL_KEYS = frozenset({"time"})
_CONSENT_ID = re.compile(r"\A[A-Za-z0-9_-]{22}\Z")
_SHA256 = re.compile(r"\A[0-9a-f]{64}\Z")
# A device clock outside these bounds is broken, not a time worth keeping as proof.
_EARLIEST_MS = 1_577_836_800_000  # 2020-01-01
_LATEST_MS = 4_102_444_800_000  # 2100-01-01


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs microseconds
class Decision:
    consent_id: str
    version: int
    sha256: str
    action: str
    categories: dict
    services: dict
    layer: int
    gpc: bool
    language: str
    path: str
    time: datetime | None


@dataclass(frozen=True, slots=True)
class VersionFacts:
    """What the check needs of a published version (config.compile_config)."""

    id: int
    installation_id: int
    number: int
    sha256: str  # config["sha256"]: of the texts shown
    categories: frozenset
    required: frozenset
    services: frozenset
    languages: frozenset

    @classmethod
    def from_config(cls, pk: int, installation_id: int, number: int, config: dict):
        categories = config.get("categories") or []
        return cls(
            id=pk,
            installation_id=installation_id,
            number=number,
            sha256=config.get("sha256", ""),
            categories=frozenset(c["id"] for c in categories),
            required=frozenset(c["id"] for c in categories if c.get("required")),
            services=frozenset(s["id"] for s in config.get("services") or []),
            languages=frozenset(config.get("languages") or []),
        )


def _invalid(field: str, what: str) -> Rejected:
    return Rejected(400, "invalid_field", f"The field {field!r} {what}.")


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _flags(value, field: str) -> dict:
    if type(value) is not dict or not all(type(v) is bool for v in value.values()):
        raise _invalid(field, "must be an object of true/false values")
    return value


class _Body(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A body as `_decision_parse_checked` accepts it, for msgspec's decoder."""

    consent_id: Annotated[str, msgspec.Meta(pattern=_CONSENT_ID.pattern)]
    version: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    sha256: Annotated[str, msgspec.Meta(pattern=_SHA256.pattern)]
    action: Literal[tuple(sorted(ACTIONS))]
    categories: dict[str, bool]
    services: dict[str, bool]
    layer: Literal[0, 1, 2]
    gpc: bool
    language: Annotated[str, msgspec.Meta(min_length=1, max_length=8)]
    path: str
    time: Annotated[int, msgspec.Meta(ge=_EARLIEST_MS, lt=_LATEST_MS)] | None = None


_decode = msgspec.json.Decoder(_Body).decode


def decision_parse(body: bytes) -> Decision:
    if len(body) > MAX_BODY:
        raise Rejected(413, "too_large", f"The body must be at most {MAX_BODY} bytes.")
    try:
        data = _decode(body)
    except msgspec.MsgspecError:
        return _decision_parse_checked(body)
    return Decision(
        consent_id=data.consent_id,
        version=data.version,
        sha256=data.sha256,
        action=data.action,
        categories=_keys(data.categories, "categories"),
        services=_keys(data.services, "services"),
        layer=data.layer,
        gpc=data.gpc,
        language=_text(data.language, "language", MAX_LANGUAGE),
        path=_path(data.path),
        time=_time(data.time),
    )


def _decision_parse_checked(body: bytes) -> Decision:
    """The plain path: every check in turn, each with its own answer."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise Rejected(400, "invalid_json", "The body must be a JSON text.") from None
    if not isinstance(data, dict):
        raise Rejected(400, "not_an_object", "The body must be a JSON object.")
    keys = data.keys()
    missing = KEYS - keys
    if missing:
        raise Rejected(400, "missing_fields", f"Missing fields: {', '.join(sorted(missing))}.")
    unknown = keys - KEYS - OPTIONAL_KEYS
    if unknown:
        names = ", ".join(sorted(str(k)[:40] for k in unknown))
        raise Rejected(400, "unknown_fields", f"Unknown fields: {names}.")
    consent_id = data["consent_id"]
    if not isinstance(consent_id, str) or not _CONSENT_ID.match(consent_id):
        raise _invalid("consent_id", "must be 22 characters of base64url")
    version = data["version"]
    if not _whole(version) or not 1 <= version <= 2**31 - 1:
        raise _invalid("version", "must be a positive whole number")
    sha256 = data["sha256"]
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        raise _invalid("sha256", "must be 64 lower-case hexadecimal digits")
    action = data["action"]
    if not isinstance(action, str) or action not in ACTIONS:
        raise _invalid("action", f"must be one of {', '.join(sorted(ACTIONS))}")
    categories = _keys(_flags(data["categories"], "categories"), "categories")
    services = _keys(_flags(data["services"], "services"), "services")
    layer = data["layer"]
    if not _whole(layer) or layer not in (0, 1, 2):
        raise _invalid("layer", "must be 0, 1 or 2")
    gpc = data["gpc"]
    if not isinstance(gpc, bool):
        raise _invalid("gpc", "must be true or false")
    language = data["language"]
    if not isinstance(language, str) or not 1 <= len(language) <= MAX_LANGUAGE:
        raise _invalid("language", "must be a language code")
    language = _text(language, "language", MAX_LANGUAGE)
    return Decision(
        consent_id=consent_id,
        version=version,
        sha256=sha256,
        action=action,
        categories=categories,
        services=services,
        layer=layer,
        gpc=gpc,
        language=language,
        path=_path(data["path"]),
        time=_time(data.get("time")),
    )


def _text(value: str, field: str, longest: int) -> str:
    """Text the database can store (consentserve.core.text), checked before the decision is
    queued with others: one unstorable value must not fail its neighbours' commit."""
    try:
        return storable(value, longest)
    except Unstorable as error:
        raise _invalid(field, error.reason) from None


def _keys(flags: dict, field: str) -> dict:
    """The IDs of `categories` or `services`, checked as text; normalised where they need it.
    (Only IDs equal to the version's are ever stored: `decision_check` refuses any other.)"""
    joined = "".join(flags)
    if joined.isascii() and joined.isprintable():
        return flags  # the usual case, without building a new dict
    return {_text(key, field, MAX_ID): value for key, value in flags.items()}


def _path(value) -> str:
    if not isinstance(value, str) or not value.startswith("/") or len(value) > MAX_PATH:
        raise _invalid("path", f"must be a path starting with / of at most {MAX_PATH} characters")
    value = _text(value, "path", MAX_PATH)
    # Query and fragment can carry personal data (e-mail addresses, tokens): never stored.
    for mark in ("?", "#"):
        value = value.split(mark, 1)[0]
    return value


def _time(value) -> datetime | None:
    if value is None:
        return None
    if not _whole(value) or not _EARLIEST_MS <= value < _LATEST_MS:
        raise _invalid("time", "must be milliseconds since 1970 of a date after 2020")
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def decision_check(decision: Decision, version: VersionFacts) -> None:
    """Whether `decision` fits the version the visitor was shown."""
    if decision.sha256 != version.sha256:
        raise Rejected(
            422, "sha256_mismatch", "The sha256 is not that of the texts of this version."
        )
    if decision.categories.keys() != version.categories:
        raise Rejected(
            422,
            "categories_mismatch",
            "The categories must be exactly those of this version: "
            + ", ".join(sorted(version.categories))
            + ".",
        )
    if decision.services.keys() != version.services:
        raise Rejected(
            422,
            "services_mismatch",
            "The services must be exactly those of this version"
            + (": " + ", ".join(sorted(version.services)) if version.services else " (none)")
            + ".",
        )
    refused = sorted(c for c in version.required if not decision.categories[c])
    if refused:
        raise Rejected(
            422, "required_category", f"Required categories must be true: {', '.join(refused)}."
        )
    if decision.language not in version.languages:
        raise Rejected(
            422,
            "unknown_language",
            "The language must be one of this version's: "
            + ", ".join(sorted(version.languages))
            + ".",
        )
