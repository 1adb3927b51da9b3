"""Writes of the installations app: installations, their domains and drafts, and publishing a
draft as an immutable, numbered version (issue 4)."""

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from consentserve.accounts.models import Membership, Organisation

from .catalog import catalog_get
from .config import compile_config, draft_validate, sha256_hex
from .errors import PublishRefused
from .linter import SEVERITY_ERROR, lint
from .models import Domain, Installation, PublishedVersion

logger = logging.getLogger(__name__)

# Viewers read; changing what visitors are shown is for admins and the owner (portal role matrix).
MANAGE_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


def _require_manager(organisation: Organisation, actor) -> None:
    if not Membership.objects.filter(
        organisation=organisation, user=actor, role__in=MANAGE_ROLES
    ).exists():
        raise PermissionDenied("only an owner or admin may manage installations")


def installation_create(*, organisation: Organisation, name: str, actor) -> Installation:
    """A new installation with the default draft and no domain yet."""
    _require_manager(organisation, actor)
    installation = Installation(organisation=organisation, name=name.strip())
    with transaction.atomic():
        installation.full_clean()
        installation.save()
    logger.info("installation %s created by user %s", installation.pk, actor.pk)
    return installation


def domain_add(*, installation: Installation, pattern: str, actor) -> Domain:
    _require_manager(installation.organisation, actor)
    domain = Domain(installation=installation, pattern=pattern)
    with transaction.atomic():
        # clean() normalises the pattern before the uniqueness check compares it.
        domain.full_clean()
        domain.save()
    return domain


def domain_remove(*, domain: Domain, actor) -> None:
    _require_manager(domain.installation.organisation, actor)
    domain.delete()


def draft_update(*, installation: Installation, draft: dict, actor) -> Installation:
    """Replace the draft; a structurally invalid one raises ValidationError. Visitors see
    nothing of it until it is published."""
    _require_manager(installation.organisation, actor)
    installation.draft = draft
    with transaction.atomic():
        installation.full_clean()
        installation.save(update_fields=["draft"])
    return installation


def publish(installation: Installation, *, actor) -> PublishedVersion:
    """The current draft as the installation's next version. Raises PublishRefused with the
    structural problems or the linter's errors, and publishes nothing then."""
    _require_manager(installation.organisation, actor)
    return _publish(installation, by=f"user {actor.pk}")


def publish_by_operator(installation: Installation) -> PublishedVersion:
    """Publishing for the operator's own installation, which no customer account manages (the
    management command that keeps the website's banner up to date); refused like `publish`."""
    return _publish(installation, by="the operator")


def _publish(installation: Installation, *, by: str) -> PublishedVersion:
    with transaction.atomic():
        # The row lock serialises concurrent publishes of one installation, so numbers stay
        # gapless and the draft compiled is the draft linted.
        installation = Installation.objects.select_for_update().get(pk=installation.pk)
        problems = draft_validate(installation.draft)
        if problems:
            raise PublishRefused(problems=problems)
        domains = list(installation.domains.values_list("pattern", flat=True))
        findings = [
            finding
            for finding in lint(installation.draft, catalog=catalog_get(), domains=domains)
            if finding.severity == SEVERITY_ERROR
        ]
        if findings:
            raise PublishRefused(findings=findings)
        latest = installation.versions.aggregate(latest=Max("number"))["latest"] or 0
        config = compile_config(installation, latest + 1)
        version = PublishedVersion.objects.create(
            installation=installation,
            number=latest + 1,
            sha256=sha256_hex(config),
            config=config,
        )
    logger.info("installation %s version %s published by %s", installation.pk, version.number, by)
    return version
