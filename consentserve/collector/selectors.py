"""Reads the collector needs of published versions, run in a worker thread (never on the event
loop). They name the version's and the installation's primary keys, which the records point
at and which installations.facade does not expose."""

from consentserve.installations.models import PublishedVersion

from .contract import VersionFacts


def newest_version_facts(public_key: str) -> tuple[VersionFacts, tuple[str, ...]] | None:
    """The newest published version of the installation with `public_key` and the domains it
    was published for; None for an unknown key or an installation without a published version."""
    row = (
        PublishedVersion.objects.filter(installation__public_key=public_key)
        .order_by("-number")
        .values_list("id", "installation_id", "number", "config")
        .first()
    )
    if row is None:
        return None
    pk, installation_id, number, config = row
    facts = VersionFacts.from_config(pk, installation_id, number, config)
    return facts, tuple(config.get("domains") or ())


def version_facts(installation_id: int, number: int) -> VersionFacts | None:
    row = (
        PublishedVersion.objects.filter(installation_id=installation_id, number=number)
        .values_list("id", "config")
        .first()
    )
    if row is None:
        return None
    return VersionFacts.from_config(row[0], installation_id, number, row[1])
