"""What other apps (the collector and the banner compiler) use of installations: published
configurations by public key, and the origin check. Nothing here exposes a draft."""

from dataclasses import dataclass

from .config import measurement_ids
from .domains import origin_allowed
from .models import PublishedVersion

__all__ = [
    "PublishedConfig",
    "measurement_ids",
    "newest_version_number",
    "origin_allowed",
    "published_config_get",
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
