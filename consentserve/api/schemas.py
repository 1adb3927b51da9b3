"""What the API reads and answers, as pydantic schemas; they make up the OpenAPI document."""

import re
from datetime import UTC, date, datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator

from consentserve.collector.models import ACTIONS

from .cursor import CursorError, cursor_decode

Action = Literal[ACTIONS]  # type: ignore[valid-type]
# Bounds that keep every value inside what both databases and datetime arithmetic take, so a
# far-fetched date is a 422 and never an overflow.
MIN_YEAR, MAX_YEAR = 1970, 9998
MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1
MAX_LIMIT = 1000


class Error(Schema):
    detail: str = Field(examples=["Not Found"])


class ValidationErrors(Schema):
    detail: list[dict[str, Any]] = Field(
        description="One entry per problem: `loc` (where), `msg` (what), `type`."
    )


class InstallationOut(Schema):
    id: int
    name: str
    public_key: str = Field(description="The key in the embed snippet and in /c/ URLs.")
    domains: list[str]
    created_at: datetime
    newest_version: int | None = Field(description="None before the first publication.")
    newest_published_at: datetime | None


class VersionOut(Schema):
    number: int
    published_at: datetime
    sha256: str = Field(description="SHA-256 of the canonical JSON of the configuration.")
    texts_sha256: str = Field(
        description="`config.sha256`: the texts shown; consent records carry this value."
    )


class VersionDetail(VersionOut):
    config: dict[str, Any] = Field(description="The published configuration as visitors get it.")


class ConsentOut(Schema):
    id: int
    consent_id: str
    created_at: datetime = Field(description="Server time of the commit.")
    action: Action
    version: int
    sha256: str = Field(description="SHA-256 of the texts shown (the version's config.sha256).")
    categories: dict[str, bool]
    services: dict[str, bool]
    layer: int = Field(description="1 first layer, 2 second layer, 0 no layer (GPC).")
    gpc: bool
    language: str
    ip: str = Field(description="Truncated: IPv4 /24, IPv6 /48.")
    browser: str
    os: str
    origin: str
    path: str
    client_time: datetime | None = Field(description="Time on the visitor's device.")


class ConsentPage(Schema):
    items: list[ConsentOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null when this page is the last."
    )


# RFC 3339 as OpenAPI's formats mean it: pydantic alone would also take "0.0" (a timestamp) or
# a time without an offset, which the document does not allow.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


def _rfc3339(pattern: re.Pattern, example: str):
    def check(value):
        if isinstance(value, str) and not pattern.fullmatch(value):
            raise ValueError(f"use the form {example}")
        return value

    return check


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"the year must lie between {MIN_YEAR} and {MAX_YEAR}")
    return value.astimezone(UTC)


class ConsentFilter(Schema):
    """Filters of the consent list and the export; `from` inclusive, `to` exclusive, both
    RFC 3339 times with an offset (`Z` for UTC)."""

    from_: datetime | None = Field(None, alias="from", description="From this time (inclusive).")
    to: datetime | None = Field(None, description="Before this time (exclusive).")
    action: Action | None = None
    version: int | None = Field(None, ge=1, le=MAX_VERSION, description="Version number shown.")
    language: str | None = Field(None, pattern=r"^[A-Za-z0-9-]{1,8}$", examples=["de"])
    consent_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,22}$", description="The ID in the visitor's cookie."
    )

    _times_form = field_validator("from_", "to", mode="before")(
        _rfc3339(_DATE_TIME, "2026-03-01T09:00:00Z")
    )
    _times_utc = field_validator("from_", "to")(_aware)


class ConsentListQuery(ConsentFilter):
    cursor: str | None = Field(
        None, max_length=200, description="`next_cursor` of the previous page."
    )
    limit: int = Field(100, ge=1, le=MAX_LIMIT)

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                cursor_decode(value)
            except CursorError as error:
                raise ValueError(str(error)) from None
        return value


class ExportQuery(ConsentFilter):
    format: Literal["csv", "jsonl"] = "csv"


class StatisticsQuery(Schema):
    from_: date | None = Field(
        None, alias="from", description="First day (UTC), by default 29 days before `to`."
    )
    to: date | None = Field(None, description="Last day (UTC, inclusive), by default today.")

    _dates_form = field_validator("from_", "to", mode="before")(_rfc3339(_DATE, "2026-03-01"))

    @field_validator("from_", "to")
    @classmethod
    def _year(cls, value: date | None) -> date | None:
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"the year must lie between {MIN_YEAR} and {MAX_YEAR}")
        return value


class DayCounts(Schema):
    day: date
    total: int
    actions: dict[str, int] = Field(description="Decisions of the day by action.")


class OptIn(Schema):
    id: str
    decisions: int = Field(description="Decisions in the period that offered this choice.")
    opted_in: int
    rate: float | None = Field(description="opted_in / decisions; null without decisions.")


class Statistics(Schema):
    from_: date = Field(alias="from")
    to: date
    timezone: Literal["UTC"] = "UTC"
    total: int
    actions: dict[str, int] = Field(description="Decisions in the period by action.")
    days: list[DayCounts]
    categories: list[OptIn]
    services: list[OptIn]


class ExportJobOut(Schema):
    id: str = Field(description="The export's ID (a UUID).")
    installation: int = Field(description="The installation's id.")
    format: Literal["csv", "jsonl"]
    filters: dict[str, Any] = Field(description="The filters given, as given.")
    state: Literal["queued", "running", "done", "failed"]
    rows_total: int | None = Field(description="Records to export; null until counted.")
    rows_done: int = Field(description="Records written so far.")
    progress: float | None = Field(description="rows_done / rows_total, 0 to 1.")
    size: int = Field(description="Bytes of the gzipped file once done.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime = Field(description="When the file is deleted (7 days after the request).")
    download_url: str | None = Field(
        description="Once done: the file (gzip), valid for 24 hours from this answer and at "
        "most until `expires_at`; no key needed, so treat it like the data. Supports `Range`."
    )
