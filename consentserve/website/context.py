from functools import partial

from django.conf import settings
from django.urls import translate_url

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
    }


def _alternates(request) -> list[tuple[str, str]]:
    """This page in every language, for search engines (hreflang); none on error pages."""
    if getattr(request, "resolver_match", None) is None:
        return []
    return [(code, translate_url(request.path, code)) for code, _name in settings.LANGUAGES]
