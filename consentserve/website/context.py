from functools import partial

from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject

from consentserve.installations.facade import newest_version_number
from consentserve.privacy.register import get_register

_MONTH = 365 * 24 * 3600 / 12


def site(request):
    return {
        "site_languages": settings.LANGUAGES,
        "site_operator": get_register().data["controller"]["name"],
        # The UI says how long the language choice is remembered (R-C1-3).
        "language_cookie_months": round(settings.LANGUAGE_COOKIE_AGE / _MONTH),
        # Templates call this only where they show it, so the back office never pays for it.
        "language_alternates": partial(_alternates, request),
        # Evaluated at most once per page.
        "operator_banner_key": SimpleLazyObject(partial(_operator_banner_key, request)),
    }


# Pages of the operator's own site that do not show its banner: the back office (its own
# templates today, but staff pages stay free of it whatever they extend).
_WITHOUT_BANNER = ("admin",)


def _operator_banner_key(request) -> str:
    """The key of the operator's own banner for every page of its site (website, sign-in,
    portal, privacy centre) when a version of it is published, else "". Error pages never ask:
    they must render without the database."""
    match = getattr(request, "resolver_match", None)
    key = settings.CONSENTSERVE_OPERATOR_INSTALLATION
    if not key or match is None or match.namespace in _WITHOUT_BANNER:
        return ""
    return key if newest_version_number(key) is not None else ""


def _alternates(request) -> list[tuple[str, str]]:
    """This page in every language, for search engines (hreflang); none on error pages."""
    if getattr(request, "resolver_match", None) is None:
        return []
    return [(code, translate_url(request.path, code)) for code, _name in settings.LANGUAGES]
