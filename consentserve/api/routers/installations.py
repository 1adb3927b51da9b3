"""Installations and their published versions."""

from django.shortcuts import get_object_or_404
from ninja import Path, Router

from consentserve.installations.selectors import (
    current_version,
    installation_summaries,
    version_list,
)

from ..schemas import MAX_ID, MAX_VERSION, InstallationOut, VersionDetail, VersionOut
from ..selectors import installation_for
from .responses import ERRORS

router = Router(tags=["installations"])


def _installation_out(installation, domains: list[str], newest) -> dict:
    return {
        "id": installation.pk,
        "name": installation.name,
        "public_key": installation.public_key,
        "domains": domains,
        "created_at": installation.created_at,
        "newest_version": newest.number if newest else None,
        "newest_published_at": newest.published_at if newest else None,
    }


def _version_out(version, *, config: bool = False) -> dict:
    out = {
        "number": version.number,
        "published_at": version.published_at,
        "sha256": version.sha256,
        "texts_sha256": version.config.get("sha256", ""),
    }
    if config:
        out["config"] = version.config
    return out


@router.get(
    "", response={200: list[InstallationOut], **ERRORS}, summary="The organisation's installations"
)
def installation_list(request):
    return [
        _installation_out(summary.installation, summary.domains, summary.newest)
        for summary in installation_summaries(request.auth.organisation)
    ]


@router.get(
    "/{installation_id}", response={200: InstallationOut, **ERRORS}, summary="One installation"
)
def installation_detail(request, installation_id: int = Path(..., ge=1, le=MAX_ID)):
    installation = installation_for(request.auth.organisation, installation_id)
    domains = [domain.pattern for domain in installation.domains.all()]
    return _installation_out(installation, domains, current_version(installation))


@router.get(
    "/{installation_id}/versions",
    response={200: list[VersionOut], **ERRORS},
    summary="Published versions, newest first",
)
def versions(request, installation_id: int = Path(..., ge=1, le=MAX_ID)):
    installation = installation_for(request.auth.organisation, installation_id)
    return [_version_out(version) for version in version_list(installation)]


@router.get(
    "/{installation_id}/versions/{number}",
    response={200: VersionDetail, **ERRORS},
    summary="One published version with its configuration",
)
def version_detail(
    request,
    installation_id: int = Path(..., ge=1, le=MAX_ID),
    number: int = Path(..., ge=1, le=MAX_VERSION),
):
    installation = installation_for(request.auth.organisation, installation_id)
    version = get_object_or_404(installation.versions, number=number)
    return _version_out(version, config=True)
