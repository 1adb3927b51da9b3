from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import translate_url
from django.utils.http import url_has_allowed_host_and_scheme


def home(request):
    return render(request, "website/home.html")


def features(request):
    return render(request, "website/features.html")


def pricing(request):
    return render(request, "website/pricing.html")


def quote(request):
    return render(request, "website/quote.html")


def quote_thanks(request):
    return render(request, "website/quote_thanks.html")


def imprint(request):
    return render(request, "website/imprint.html")


def choose_language(request, code):
    """The explicit language choice: the only place that sets the language cookie (R-C1-3)."""
    if code not in dict(settings.LANGUAGES):
        code = settings.LANGUAGE_CODE
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(translate_url(target, code))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _error(request, status, template):
    return render(request, template, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "website/errors/400.html")


def forbidden(request, exception=None):
    return _error(request, 403, "website/errors/403.html")


def not_found(request, exception=None):
    return _error(request, 404, "website/errors/404.html")


def server_error(request):
    return _error(request, 500, "website/errors/500.html")
