"""Writes of the installations app: installations, their domains and drafts, and publishing a
draft as an immutable, numbered version (issue 4)."""

import copy
import logging
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from consentserve.accounts.models import Membership, Organisation

from .catalog import catalog_get, catalog_service_to_config
from .config import (
    CATEGORY_NECESSARY,
    GA4_SERVICE,
    MEASUREMENT_ID,
    SERVICE_KEYS,
    compile_config,
    draft_validate,
    sha256_hex,
)
from .errors import PublishRefused
from .linter import SEVERITY_ERROR, lint
from .models import Domain, Installation, PublishedVersion

logger = logging.getLogger(__name__)

# Viewers read; changing what visitors are shown is for admins and the owner (portal role matrix).
MANAGE_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)
# The identifiers config.draft_validate accepts.
CATEGORY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


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


# --- edits of the draft, one step at a time (the portal's designer) ---------------------------
# Each one copies the draft, changes one thing and saves it through draft_update, so the same
# structural validation applies; a refusal is a ValidationError with a message for the customer.


def installation_rename(*, installation: Installation, name: str, actor) -> Installation:
    _require_manager(installation.organisation, actor)
    installation.name = name.strip()
    with transaction.atomic():
        installation.full_clean()
        installation.save(update_fields=["name"])
    return installation


def consent_retention_set(*, installation: Installation, years: int, actor) -> Installation:
    """How many years after the consent ended the installation's consent records are kept;
    the retention engine reads it (register: consent-records, duration_by)."""
    _require_manager(installation.organisation, actor)
    installation.consent_retention_years = years
    with transaction.atomic():
        installation.full_clean()
        installation.save(update_fields=["consent_retention_years"])
    return installation


def analytics_set(*, installation: Installation, enabled: bool, actor) -> Installation:
    """Turns the installation's website analytics on or off; the ingest takes its events only
    while it is on (consentserve/analytics/sites.py)."""
    _require_manager(installation.organisation, actor)
    installation.analytics_enabled = enabled
    installation.save(update_fields=["analytics_enabled"])
    return installation


def _draft_copy(installation: Installation, actor) -> dict:
    _require_manager(installation.organisation, actor)
    return copy.deepcopy(installation.draft)


def _service_index(draft: dict, service_id: str) -> int:
    for i, service in enumerate(draft["services"]):
        if service["id"] == service_id:
            return i
    raise ValidationError(_("This banner has no service %(id)s.") % {"id": service_id})


def _category_known(draft: dict, category_id: str) -> None:
    if category_id not in {category["id"] for category in draft["categories"]}:
        raise ValidationError(
            {"category": _("Choose one of the categories of this banner.")}, code="category"
        )


def draft_category_add(
    *, installation: Installation, category_id: str, label: dict, description: dict, actor
) -> Installation:
    """A custom category, never required and never switched on before the visitor chooses."""
    draft = _draft_copy(installation, actor)
    if not CATEGORY_ID.match(category_id or ""):
        raise ValidationError(
            {
                "category_id": _(
                    "Use lower-case letters, digits, hyphens or underscores, starting with a "
                    "letter or digit (at most 63 characters)."
                )
            }
        )
    if category_id in {category["id"] for category in draft["categories"]}:
        raise ValidationError(
            {"category_id": _("This banner already has a category with this ID.")}
        )
    draft["categories"].append(
        {
            "id": category_id,
            "required": False,
            "default": False,
            "label": dict(label),
            "description": dict(description),
        }
    )
    return draft_update(installation=installation, draft=draft, actor=actor)


def draft_category_remove(*, installation: Installation, category_id: str, actor) -> Installation:
    """Removes a category; 'necessary' stays, and a category with services is refused, so no
    service is left without a category or moved without the customer deciding where."""
    draft = _draft_copy(installation, actor)
    if category_id == CATEGORY_NECESSARY:
        raise ValidationError(
            _("The category 'necessary' cannot be removed: every banner needs it.")
        )
    if category_id not in {category["id"] for category in draft["categories"]}:
        raise ValidationError(_("This banner has no category %(id)s.") % {"id": category_id})
    names = [s["name"] for s in draft["services"] if s["category"] == category_id]
    if names:
        raise ValidationError(
            _(
                "The category still has services (%(names)s). Move them to another category "
                "or remove them first."
            )
            % {"names": ", ".join(names)}
        )
    draft["categories"] = [c for c in draft["categories"] if c["id"] != category_id]
    return draft_update(installation=installation, draft=draft, actor=actor)


def draft_service_add_from_catalog(
    *, installation: Installation, service_id: str, category_id: str | None = None, actor
) -> Installation:
    """A catalog service, in its catalog category unless another one is chosen."""
    entry = catalog_get().get(service_id or "")
    if entry is None:
        raise ValidationError(_("The catalog has no service %(id)s.") % {"id": service_id})
    draft = _draft_copy(installation, actor)
    if any(service["id"] == entry.id for service in draft["services"]):
        raise ValidationError(_("%(name)s is already in this banner.") % {"name": entry.name})
    service = catalog_service_to_config(entry)
    service["category"] = category_id or entry.category
    _category_known(draft, service["category"])
    draft["services"].append(service)
    return draft_update(installation=installation, draft=draft, actor=actor)


def draft_service_add_custom(*, installation: Installation, service: dict, actor) -> Installation:
    """A service the customer describes; its ID is made from the name with the prefix
    `custom-`, so it never takes the ID (and with it the catalog's facts) of a catalog service."""
    draft = _draft_copy(installation, actor)
    _category_known(draft, service.get("category", ""))
    taken = {existing["id"] for existing in draft["services"]}
    stem = ("custom-" + slugify(service.get("name", "")))[:56].strip("-_") or "custom"
    service_id, n = stem, 2
    while service_id in taken:
        service_id, n = f"{stem}-{n}", n + 1
    draft["services"].append({key: service.get(key) for key in SERVICE_KEYS} | {"id": service_id})
    return draft_update(installation=installation, draft=draft, actor=actor)


def draft_service_remove(*, installation: Installation, service_id: str, actor) -> Installation:
    draft = _draft_copy(installation, actor)
    del draft["services"][_service_index(draft, service_id)]
    return draft_update(installation=installation, draft=draft, actor=actor)


def draft_service_move(
    *, installation: Installation, service_id: str, category_id: str, actor
) -> Installation:
    draft = _draft_copy(installation, actor)
    index = _service_index(draft, service_id)
    _category_known(draft, category_id)
    draft["services"][index]["category"] = category_id
    return draft_update(installation=installation, draft=draft, actor=actor)


def draft_service_measurement_id_set(
    *, installation: Installation, service_id: str, measurement_id: str, actor
) -> Installation:
    """The Google Analytics 4 measurement ID with which the banner loads Google's tag itself
    after consent (banner/gtag.py); "" removes it, and the customer embeds the tag blocked
    instead. Only the catalog's GA4 service takes one, and only with Consent Mode on."""
    draft = _draft_copy(installation, actor)
    service = draft["services"][_service_index(draft, service_id)]
    # Google shows the ID in upper case; what was copied with spaces around it is the same ID.
    measurement_id = (measurement_id or "").strip().upper()
    if service["id"] != GA4_SERVICE:
        raise ValidationError(
            {"measurement_id": _("Only Google Analytics 4 takes a measurement ID.")}
        )
    if not measurement_id:
        ga4_loaded_by_banner(service, "")
        return draft_update(installation=installation, draft=draft, actor=actor)
    if not MEASUREMENT_ID.match(measurement_id):
        raise ValidationError(
            {
                "measurement_id": _(
                    "Enter the measurement ID of your Google Analytics data stream, "
                    "G- followed by 4 to 20 letters or digits, e.g. G-ABC123XYZ."
                )
            }
        )
    if not draft["options"].get("consent_mode"):
        raise ValidationError(
            {
                "measurement_id": _(
                    "Turn on Google Consent Mode in the settings first: Google's tag must "
                    "find its signals before it runs."
                )
            }
        )
    ga4_loaded_by_banner(service, measurement_id)
    return draft_update(installation=installation, draft=draft, actor=actor)


# ga4.js sets `cookie_expires` to 13 months (R-C2-3) instead of Google's 2 years, which the
# catalog names for a tag the website embeds itself.
GA4_COOKIE_LIFETIME = {"de": "13 Monate", "en": "13 months"}


def ga4_loaded_by_banner(service: dict, measurement_id: str) -> None:
    """Make the GA4 service of a draft one the banner loads with `measurement_id`, its cookies
    kept as long as the banner configures them; with "", one the website embeds itself again,
    with the catalog's lifetimes."""
    cookies = catalog_service_to_config(catalog_get().get(GA4_SERVICE))["cookies"]
    if measurement_id:
        service["measurement_id"] = measurement_id
        cookies = [cookie | {"lifetime": dict(GA4_COOKIE_LIFETIME)} for cookie in cookies]
    else:
        service.pop("measurement_id", None)
    service["cookies"] = cookies
