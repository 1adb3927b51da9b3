"""The operator's own banner on the public website (dogfooding, R-F-7): one installation under
the well-known key `settings.CONSENTSERVE_OPERATOR_INSTALLATION`, owned by the controller of the
privacy register, kept up to date by `manage.py installations_operator_banner`."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from consentserve.accounts.models import Organisation
from consentserve.privacy.register import get_register

from .catalog import catalog_get, catalog_service_to_config
from .config import (
    ANALYTICS_SERVICE,
    CATEGORY_NECESSARY,
    GA4_SERVICE,
    LANGUAGES,
    compile_config,
    default_draft,
)
from .domains import domain_pattern_clean
from .models import Domain, Installation, PublishedVersion
from .services import ga4_loaded_by_banner, publish_by_operator

INSTALLATION_NAME = "consentserve.com"
# The categories the website needs.
CATEGORIES = (CATEGORY_NECESSARY, "statistics")
TEXTS = {
    "de": {
        "body": (
            "Wir speichern Ihre Auswahl in einem Cookie. Nur mit Ihrer Einwilligung messen wir "
            "zusätzlich, wie unsere Website genutzt wird. Sie können Ihre Einwilligung jederzeit "
            "in den Datenschutz-Einstellungen am Ende jeder Seite widerrufen."
        ),
    },
    "en": {
        "body": (
            "We keep your choice in a cookie. Only with your consent do we also measure how our "
            "website is used. You can withdraw your consent at any time in the privacy settings "
            "at the bottom of every page."
        ),
    },
}


def operator_domains() -> list[str]:
    """The host names the website answers to; in development also the loopback names, which
    customers cannot enter (domain_pattern_clean refuses single labels and IP addresses) but
    which the runtime's exact comparison handles."""
    patterns = {"localhost", "127.0.0.1"} if not settings.PRODUCTION else set()
    for host in settings.ALLOWED_HOSTS:
        # ".example.com" in ALLOWED_HOSTS means the domain and its subdomains.
        for candidate in (host[1:], f"*{host}") if host.startswith(".") else (host,):
            try:
                patterns.add(domain_pattern_clean(candidate))
            except ValidationError:
                continue  # "*", IP addresses: no host name a banner could be bound to
    return sorted(patterns)


def operator_draft() -> dict:
    draft = default_draft()
    draft["categories"] = [c for c in draft["categories"] if c["id"] in CATEGORIES]
    for lang in LANGUAGES:
        texts = draft["texts"][lang]
        texts.update(TEXTS[lang])
        # Relative links: the banner runs only on the website itself, under any of its hosts.
        with translation.override(lang):
            texts["privacy_url"] = reverse("website:privacy")
            texts["imprint_url"] = reverse("website:imprint")
    draft["services"] = operator_services()
    return draft


def operator_services() -> list[dict]:
    """The tracker's service while the website carries it (analytics/context.py), and Google
    Analytics 4, loaded by the banner after consent, only with a measurement ID set."""
    catalog = catalog_get()
    services = []
    if settings.CONSENTSERVE_ANALYTICS_OPERATOR:
        services.append(catalog_service_to_config(catalog.get(ANALYTICS_SERVICE)))
    if settings.CONSENTSERVE_GA4_MEASUREMENT_ID:
        ga4 = catalog_service_to_config(catalog.get(GA4_SERVICE))
        ga4_loaded_by_banner(ga4, settings.CONSENTSERVE_GA4_MEASUREMENT_ID)
        services.append(ga4)
    return services


def operator_banner_ensure() -> tuple[Installation, PublishedVersion, bool]:
    """Create or update the operator's organisation, installation, domains and draft, and
    publish when what visitors would be shown changed (idempotent). Returns the installation,
    its newest version and whether that version was published now."""
    key = settings.CONSENTSERVE_OPERATOR_INSTALLATION
    if not key:
        raise ValueError("CONSENTSERVE_OPERATOR_INSTALLATION is empty")
    controller = get_register().data["controller"]
    with transaction.atomic():
        installation = Installation.objects.filter(public_key=key).first()
        if installation is None:
            organisation = Organisation.objects.create(
                name=controller["name"],
                street=controller["street"],
                postcode=controller["postcode"],
                city=controller["city"],
                country="DE",
            )
            installation = Installation.objects.create(
                organisation=organisation, name=INSTALLATION_NAME, public_key=key
            )
        else:
            organisation = installation.organisation
            # The operator's organisation has no members; a key that names a customer's
            # installation (a mistyped setting) must not hand it to the operator.
            if organisation.memberships.exists():
                raise ValueError(
                    "CONSENTSERVE_OPERATOR_INSTALLATION names a customer's installation"
                )
            for field in ("name", "street", "postcode", "city"):
                setattr(organisation, field, controller[field])
            organisation.save()
        wanted = operator_domains()
        installation.domains.exclude(pattern__in=wanted).delete()
        for pattern in wanted:
            Domain.objects.get_or_create(installation=installation, pattern=pattern)
        installation.draft = operator_draft()
        installation.full_clean()
        installation.save(update_fields=["draft"])
    newest = installation.versions.order_by("-number").first()
    # Unchanged when recompiling the newest version gives the same document.
    if newest is not None and newest.config == compile_config(installation, newest.number):
        return installation, newest, False
    return installation, publish_by_operator(installation), True
