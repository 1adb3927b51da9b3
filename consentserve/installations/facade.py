"""What other apps use of installations: published configurations by public key, the origin
check, and the few reads of installations and versions the collector, analytics and billing
need. Nothing here exposes a draft, and nothing writes."""

from dataclasses import dataclass

from .config import measurement_ids
from .domains import origin_allowed
from .models import Installation, PublishedVersion

__all__ = [
    "PublishedConfig",
    "analytics_switched_on",
    "installation_by_key",
    "installation_id_get",
    "installations_at",
    "installations_of",
    "measurement_ids",
    "newest_config",
    "newest_version_number",
    "newest_version_row",
    "origin_allowed",
    "published_config_get",
    "version_row",
]


@dataclass(frozen=True)
class PublishedConfig:
    public_key: str
    number: int
    sha256: str  # of the canonical JSON of `config`
    config: dict  # the document of config.compile_config


def published_config_get(public_key: str, *, number: int | None = None) -> PublishedConfig | None:
    """Version `number` of the installation with `public_key`, by default its newest; None when
    there is none (unknown key, nothing published yet, or no such version)."""
    versions = PublishedVersion.objects.filter(installation__public_key=public_key)
    if number is not None:
        versions = versions.filter(number=number)
    version = versions.order_by("-number").first()
    if version is None:
        return None
    return PublishedConfig(public_key, version.number, version.sha256, version.config)


def newest_version_number(public_key: str) -> int | None:
    """The number of the newest published version, None when there is none: one indexed query,
    so callers can key a cache of compiled versions by it (versions never change)."""
    return (
        PublishedVersion.objects.filter(installation__public_key=public_key)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )


def newest_version_row(public_key: str) -> tuple[int, int, int, dict] | None:
    """(version id, installation id, number, config) of the newest published version of the
    installation with `public_key`; None when there is none. The ids are what consent records
    point at."""
    return (
        PublishedVersion.objects.filter(installation__public_key=public_key)
        .order_by("-number")
        .values_list("id", "installation_id", "number", "config")
        .first()
    )


def version_row(installation_id: int, number: int) -> tuple[int, dict] | None:
    """(version id, config) of version `number` of the installation; None when there is none."""
    return (
        PublishedVersion.objects.filter(installation_id=installation_id, number=number)
        .values_list("id", "config")
        .first()
    )


def newest_config(installation_id: int) -> tuple[int, dict]:
    """(version id, config) of the installation's newest published version. Only for an
    installation that has consent records, which always has one (versions are never deleted)."""
    return (
        PublishedVersion.objects.filter(installation_id=installation_id)
        .order_by("-number")
        .values_list("id", "config")[0]
    )


def installation_id_get(public_key: str) -> int | None:
    return Installation.objects.filter(public_key=public_key).values_list("pk", flat=True).first()


def installation_by_key(public_key: str) -> Installation | None:
    return Installation.objects.filter(public_key=public_key).first()


def installations_of(organisation):
    """The organisation's installations, as a queryset for the portal's scoping (`object_for`)."""
    return Installation.objects.filter(organisation=organisation)


def installations_at(organisation, until) -> int:
    """How many installations the organisation had created before `until` (billing's usage)."""
    return Installation.objects.filter(organisation=organisation, created_at__lt=until).count()


def analytics_switched_on(installation_id: int) -> bool:
    """The customer's switch for analytics of this installation (portal, installation settings)."""
    return Installation.objects.filter(pk=installation_id, analytics_enabled=True).exists()
