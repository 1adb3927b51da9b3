"""Django's LocaleMiddleware, except for answers that are the same in every language.

Django adds `Vary: Accept-Language` and `Content-Language` to every answer outside the
language-prefixed URLs. For the banner loader that would make every cache, a CDN's above all,
keep one copy per visitor language, although the runtime picks the language in the browser.
A view marks such an answer with `language_neutral`."""

from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware

_MARK = "consentserve_language_neutral"


def language_neutral(response):
    """Marks `response` as the same in every language: no Vary or Content-Language for it."""
    setattr(response, _MARK, True)
    return response


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_response(self, request, response):
        if getattr(response, _MARK, False):
            return response
        return super().process_response(request, response)
