"""Reads of the installations app."""

from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet

from consentserve.accounts.models import Organisation

from .config import sha256_hex
from .models import Installation, PublishedVersion


def installation_list_for_org(organisation: Organisation) -> QuerySet[Installation]:
    return Installation.objects.filter(organisation=organisation).prefetch_related("domains")


def current_version(installation: Installation) -> PublishedVersion | None:
    """The version visitors get: the newest published one, or None before the first publish."""
    return installation.versions.order_by("-number").first()


def version_list(installation: Installation) -> QuerySet[PublishedVersion]:
    """Every published version, newest first; none is ever removed, as consent records point
    at them."""
    return installation.versions.order_by("-number")


def version_get(installation: Installation, *, number: int) -> PublishedVersion:
    return installation.versions.get(number=number)


@dataclass(frozen=True)
class InstallationSummary:
    installation: Installation
    domains: list[str]
    newest: PublishedVersion | None
    # The draft or the domains differ from what visitors get (always true before a publish).
    unpublished_changes: bool


def unpublished_changes(installation: Installation, newest: PublishedVersion | None) -> bool:
    if newest is None:
        return True
    domains = sorted(domain.pattern for domain in installation.domains.all())
    return (
        newest.config.get("sha256") != sha256_hex(installation.draft)
        or newest.config.get("domains") != domains
    )


def installation_summaries(organisation: Organisation) -> list[InstallationSummary]:
    """The organisation's installations for the portal's list, each with its newest version."""
    installations = list(installation_list_for_org(organisation))
    # Two queries whatever the number of versions: the newest numbers, then only those versions.
    latest = (
        PublishedVersion.objects.filter(installation__in=installations)
        .order_by()
        .values_list("installation")
        .annotate(number=Max("number"))
    )
    wanted = Q(pk__in=[])
    for installation_id, number in latest:
        wanted |= Q(installation_id=installation_id, number=number)
    newest = {
        version.installation_id: version for version in PublishedVersion.objects.filter(wanted)
    }
    return [
        InstallationSummary(
            installation=installation,
            domains=[domain.pattern for domain in installation.domains.all()],
            newest=newest.get(installation.pk),
            unpublished_changes=unpublished_changes(installation, newest.get(installation.pk)),
        )
        for installation in installations
    ]
