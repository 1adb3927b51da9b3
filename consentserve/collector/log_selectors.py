"""Reads of consent records for the portal's log, proof pages and exports.

The log may hold millions of rows per installation, so pages are cut by keyset (the last
row's `created_at` and `id`), never by OFFSET: every page is one range scan on the index
(installation, created_at), however deep the visitor pages. Callers scope first (the portal
passes the installations of one organisation); nothing here checks who asks.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .models import ConsentRecord

PAGE_SIZE = 50
# The columns of a row in the log's table: what the page shows, no version config (large).
LOG_FIELDS = (
    "id",
    "installation_id",
    "version_id",
    "consent_id",
    "action",
    "choices",
    "language",
    "browser",
    "os",
    "origin",
    "path",
    "created_at",
)


@dataclass(frozen=True)
class RecordFilter:
    """What the log and the exports narrow by; None means no narrowing."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive: the whole day
    action: str | None = None
    version: int | None = None
    language: str | None = None
    consent_id: str | None = None
    installation_id: int | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def records_for(installation_ids: list[int], criteria: RecordFilter) -> QuerySet:
    """Records of `installation_ids` (already scoped by the caller) that match `criteria`."""
    records = ConsentRecord.objects.filter(installation_id__in=installation_ids)
    if criteria.installation_id is not None:
        records = records.filter(installation_id=criteria.installation_id)
    if criteria.date_from is not None:
        records = records.filter(created_at__gte=_day_start(criteria.date_from))
    if criteria.date_to is not None:
        records = records.filter(created_at__lt=_day_start(criteria.date_to + timedelta(days=1)))
    if criteria.action:
        records = records.filter(action=criteria.action)
    if criteria.version is not None:
        records = records.filter(version__number=criteria.version)
    if criteria.language:
        records = records.filter(language=criteria.language)
    if criteria.consent_id:
        records = records.filter(consent_id=criteria.consent_id)
    return records


# --- keyset pagination ------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: int

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """Raises ValueError for anything that is not a cursor this module made."""
        if not text or len(text) > 100:
            raise ValueError("not a cursor")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            stamp, pk = raw.split("|")
            created_at = datetime.fromisoformat(stamp)
            number = int(pk)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ValueError("not a cursor") from exc
        if created_at.tzinfo is None or number < 1:
            raise ValueError("not a cursor")
        return cls(created_at, number)

    @classmethod
    def of(cls, row: dict) -> "Cursor":
        return cls(row["created_at"], row["id"])


@dataclass
class Page:
    rows: list[dict]
    newer: Cursor | None  # give as `before` for the page of newer records
    older: Cursor | None  # give as `after` for the page of older records


def _newer_than(cursor: Cursor) -> Q:
    # The first condition bounds the index range; the second is the exact keyset.
    return Q(created_at__gte=cursor.created_at) & (
        Q(created_at__gt=cursor.created_at) | Q(created_at=cursor.created_at, id__gt=cursor.id)
    )


def _older_than(cursor: Cursor) -> Q:
    return Q(created_at__lte=cursor.created_at) & (
        Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, id__lt=cursor.id)
    )


def _fetch(records: QuerySet, split_by, condition, ascending: bool, limit: int) -> list[dict]:
    """Up to `limit` rows in keyset order. With `split_by` (installation IDs), one query per
    installation, each a short range scan on its index, merged here: a single query over
    several installations would have to sort all their rows first."""
    order = ("created_at", "id") if ascending else ("-created_at", "-id")
    parts = [records] if not split_by else [records.filter(installation_id=i) for i in split_by]
    found = []
    for part in parts:
        if condition is not None:
            part = part.filter(condition)
        found += part.order_by(*order)[:limit]
    found.sort(key=lambda row: (row["created_at"], row["id"]), reverse=not ascending)
    return found[:limit]


def log_page(
    records: QuerySet,
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
    split_by: list[int] | None = None,
) -> Page:
    """One page of `records`, newest first: the first page, the one `after` a cursor (older
    records) or the one `before` it (newer records). One row more than the page is read to
    know whether there is a next one."""
    rows = records.annotate(version_number=F("version__number")).values(
        *LOG_FIELDS, "version_number"
    )
    if before is not None:
        found = _fetch(rows, split_by, _newer_than(before), True, size + 1)
        more_newer = len(found) > size
        found = found[:size][::-1]
        return Page(
            found,
            newer=Cursor.of(found[0]) if found and more_newer else None,
            older=Cursor.of(found[-1]) if found else None,
        )
    condition = _older_than(after) if after is not None else None
    found = _fetch(rows, split_by, condition, False, size + 1)
    more_older = len(found) > size
    found = found[:size]
    return Page(
        found,
        newer=Cursor.of(found[0]) if found and after is not None else None,
        older=Cursor.of(found[-1]) if found and more_older else None,
    )


def granted(choices: dict, key: str = "categories") -> list[str]:
    """The IDs a record's choices grant, in their stored order."""
    return [name for name, value in (choices or {}).get(key, {}).items() if value]


def history(public_key: str, consent_id: str) -> list[ConsentRecord]:
    """Every record of one consent ID of the installation with `public_key`, oldest first,
    with its version; one query, also for a key or an ID that does not exist."""
    return list(
        ConsentRecord.objects.filter(installation__public_key=public_key, consent_id=consent_id)
        .select_related("version")
        .order_by("created_at", "id")
    )
