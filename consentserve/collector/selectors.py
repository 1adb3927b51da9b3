"""Reads the collector needs of published versions, run in a worker thread (never on the event
loop). They name the version's and the installation's primary keys, which the records point
at; installations.facade reads the rows."""

from consentserve.installations.facade import newest_version_row, version_row

from .contract import VersionFacts


def newest_version_facts(public_key: str) -> tuple[VersionFacts, tuple[str, ...]] | None:
    """The newest published version of the installation with `public_key` and the domains it
    was published for; None for an unknown key or an installation without a published version."""
    row = newest_version_row(public_key)
    if row is None:
        return None
    pk, installation_id, number, config = row
    facts = VersionFacts.from_config(pk, installation_id, number, config)
    return facts, tuple(config.get("domains") or ())


def version_facts(installation_id: int, number: int) -> VersionFacts | None:
    row = version_row(installation_id, number)
    if row is None:
        return None
    return VersionFacts.from_config(row[0], installation_id, number, row[1])
