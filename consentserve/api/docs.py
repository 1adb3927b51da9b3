"""The API's docs page: Swagger UI, served by this server, never from a CDN (the
Content-Security-Policy allows scripts and styles from 'self' only).

The two large Swagger UI files come from the django-ninja package itself through `docs_asset`,
not through collectstatic: compressing them (and the rest of ninja's static files) on every
production start would add about a minute to `consentserve serve`. Our own small start-up
script is an ordinary static file."""

import mimetypes
from pathlib import Path

import ninja
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from ninja.openapi.docs import Swagger

NINJA_STATIC = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css")


class LocalSwagger(Swagger):
    def render_page(self, request: HttpRequest, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "api": api,
            "swagger_settings": self.settings,
            "bundle_url": reverse("api-docs-asset", args=["swagger-ui-bundle.js"]),
            "css_url": reverse("api-docs-asset", args=["swagger-ui.css"]),
        }
        return render(request, "api/docs.html", context)


def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in ASSETS:
        raise Http404
    content_type = mimetypes.guess_type(name)[0]
    response = FileResponse((NINJA_STATIC / name).open("rb"), content_type=content_type)
    # The files change only with the installed django-ninja, i.e. with a release.
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response
