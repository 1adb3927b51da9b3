"""Consent records of an installation: a page at a time, or all of a selection as a file."""

from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Status

from .. import export_jobs
from ..export import export_response
from ..models import ConsentExport
from ..schemas import MAX_ID, ConsentListQuery, ConsentPage, ExportJobOut, ExportQuery
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


def _job_out(request, job: ConsentExport) -> dict:
    path = export_jobs.download_path(job)
    return {
        "id": str(job.pk),
        "installation": job.installation_id,
        "format": job.format,
        "filters": job.filters,
        "state": job.state,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "progress": job.progress,
        "size": job.size,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "expires_at": export_jobs.expires_at(job),
        "download_url": request.build_absolute_uri(path) if path else None,
    }


@router.post(
    "/{installation_id}/consents/exports",
    response={202: ExportJobOut, **ERRORS},
    summary="Start an export of a selection in the background (any size)",
    description="Writes the records of the selection as a gzipped file in the export's "
    "format, in the background; follow `GET …/consents/exports/{export_id}` until `state` is "
    "`done` and download `download_url`. Changes nothing of the organisation's data.",
)
def consent_export_start(
    request,
    installation_id: int = Path(..., ge=1, le=MAX_ID),
    query: Query[ExportQuery] = None,
):
    installation = installation_for(request.auth.organisation, installation_id)
    filters = export_jobs.filters_dict(
        from_=query.from_,
        to=query.to,
        action=query.action,
        version=query.version,
        language=query.language,
        consent_id=query.consent_id,
    )
    job = export_jobs.export_request(
        installation, fmt=query.format, filters=filters, api_key=request.auth
    )
    return Status(202, _job_out(request, job))


@router.get(
    "/{installation_id}/consents/exports/{export_id}",
    response={200: ExportJobOut, **ERRORS},
    summary="A background export: its state, progress and, once done, the download link",
)
def consent_export_job(
    request,
    export_id: UUID,
    installation_id: int = Path(..., ge=1, le=MAX_ID),
):
    installation = installation_for(request.auth.organisation, installation_id)
    job = get_object_or_404(ConsentExport.objects.filter(installation=installation), pk=export_id)
    return _job_out(request, job)
