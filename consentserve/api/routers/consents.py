"""Consent records of an installation: a page at a time, or all of a selection as a file."""

from ninja import Path, Query, Router

from ..export import export_response
from ..schemas import MAX_ID, ConsentListQuery, ConsentPage, ExportQuery
from ..selectors import consent_page, consent_records, installation_for
from .responses import ERRORS

router = Router(tags=["consent records"])

EXPORT_CONTENT = {
    "text/csv": {"schema": {"type": "string"}},
    "application/jsonl": {"schema": {"type": "string"}},
}


@router.get(
    "/{installation_id}/consents",
    response={200: ConsentPage, **ERRORS},
    summary="Consent records, oldest first, a page at a time",
)
def consent_list(
    request,
    installation_id: int = Path(..., ge=1, le=MAX_ID),
    query: Query[ConsentListQuery] = None,
):
    installation = installation_for(request.auth.organisation, installation_id)
    items, next_cursor = consent_page(
        consent_records(installation, query), cursor=query.cursor, limit=query.limit
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/{installation_id}/consents/export",
    response={**ERRORS},
    summary="Every consent record of a selection as CSV or JSON Lines, streamed",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The records, oldest first: CSV with a header line, or one "
                "JSON object per line.",
                "content": EXPORT_CONTENT,
            }
        }
    },
)
def consent_export(
    request,
    installation_id: int = Path(..., ge=1, le=MAX_ID),
    query: Query[ExportQuery] = None,
):
    installation = installation_for(request.auth.organisation, installation_id)
    records = consent_records(installation, query)
    name = f"consents-{installation.public_key}"
    return export_response(request, records, fmt=query.format, name=name)
