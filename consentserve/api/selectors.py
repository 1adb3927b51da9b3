"""Reads of the API. Everything starts from the organisation of the request's key: another
organisation's installation is as unknown as one that does not exist (404)."""

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from consentserve.accounts.models import Organisation
from consentserve.collector.models import ConsentRecord
from consentserve.installations.models import Installation

from .cursor import cursor_decode, cursor_encode
from .models import ApiKey

# The columns of a record as the API shows them, in the order of the CSV export.
RECORD_FIELDS = (
    "id",
    "consent_id",
    "created_at",
    "action",
    "version__number",
    "sha256",
    "choices",
    "layer",
    "gpc",
    "language",
    "ip",
    "browser",
    "os",
    "origin",
    "path",
    "client_time",
)
EXPORT_BATCH = 2000


def api_key_list(organisation: Organisation) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(organisation=organisation).select_related("created_by")


def api_keys_scoped() -> QuerySet[ApiKey]:
    """Every key with its organisation, for the portal's `object_for`, which narrows it to the
    member's organisation."""
    return ApiKey.objects.select_related("organisation")


def installation_for(organisation: Organisation, installation_id: int) -> Installation:
    return get_object_or_404(
        Installation.objects.filter(organisation=organisation), pk=installation_id
    )


def consent_records(installation: Installation, filters) -> QuerySet[ConsentRecord]:
    """The installation's records narrowed by a ConsentFilter, as dicts of RECORD_FIELDS in the
    order (created_at, id)."""
    records = ConsentRecord.objects.filter(installation=installation)
    if filters.from_ is not None:
        records = records.filter(created_at__gte=filters.from_)
    if filters.to is not None:
        records = records.filter(created_at__lt=filters.to)
    if filters.action is not None:
        records = records.filter(action=filters.action)
    if filters.version is not None:
        records = records.filter(version__number=filters.version)
    if filters.language is not None:
        records = records.filter(language=filters.language)
    if filters.consent_id is not None:
        records = records.filter(consent_id=filters.consent_id)
    return records.order_by("created_at", "pk").values(*RECORD_FIELDS)


def _after(records: QuerySet, created_at: datetime, pk: int) -> QuerySet:
    # The redundant lower bound lets the (installation, created_at) index start at the cursor;
    # the OR alone makes the databases scan from the installation's first record.
    return records.filter(created_at__gte=created_at).filter(
        Q(created_at__gt=created_at) | Q(pk__gt=pk)
    )


def record_out(row: dict) -> dict:
    """A row of consent_records as the API shows it: the version by number, the choices split."""
    choices = row["choices"] if isinstance(row["choices"], dict) else {}
    return {
        "id": row["id"],
        "consent_id": row["consent_id"],
        "created_at": row["created_at"],
        "action": row["action"],
        "version": row["version__number"],
        "sha256": row["sha256"],
        "categories": choices.get("categories") or {},
        "services": choices.get("services") or {},
        "layer": row["layer"],
        "gpc": row["gpc"],
        "language": row["language"],
        "ip": row["ip"],
        "browser": row["browser"],
        "os": row["os"],
        "origin": row["origin"],
        "path": row["path"],
        "client_time": row["client_time"],
    }


def consent_page(records: QuerySet, *, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """One page after `cursor` and the cursor of the next one (None when this is the last)."""
    if cursor is not None:
        records = _after(records, *cursor_decode(cursor))
    rows = list(records[: limit + 1])
    if len(rows) <= limit:
        return [record_out(row) for row in rows], None
    rows = rows[:limit]
    last = rows[-1]
    return [record_out(row) for row in rows], cursor_encode(last["created_at"], last["id"])


def consent_batches(records: QuerySet, *, size: int = EXPORT_BATCH) -> Iterator[list[dict]]:
    """All of `records` in batches of `size`, each one query that continues after the last row
    of the one before: memory stays at one batch however many rows there are, and no database
    cursor stays open between batches."""
    batch = list(records[:size])
    while batch:
        yield [record_out(row) for row in batch]
        if len(batch) < size:
            return
        last = batch[-1]
        batch = list(_after(records, last["created_at"], last["id"])[:size])
