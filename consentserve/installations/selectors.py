"""Reads of the installations app."""

from django.db.models import QuerySet

from consentserve.accounts.models import Organisation

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
