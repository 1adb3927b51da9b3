"""Baseline (b): a plain Django view behind the whole middleware stack that stores each consent
with one ORM insert (the installation's version is looked up once and cached)."""

import json
from functools import lru_cache

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as base_urlpatterns
from consentserve.collector.models import ConsentRecord
from consentserve.installations.models import PublishedVersion


@lru_cache
def _version(public_key: str, number: int) -> PublishedVersion:
    return PublishedVersion.objects.get(installation__public_key=public_key, number=number)


@csrf_exempt
def consent(request, public_key):
    data = json.loads(request.body)
    version = _version(public_key, data["version"])
    ConsentRecord.objects.create(
        installation_id=version.installation_id,
        version=version,
        consent_id=data["consent_id"],
        sha256=data["sha256"],
        action=data["action"],
        choices={"categories": data["categories"], "services": data["services"]},
        layer=data["layer"],
        gpc=data["gpc"],
        language=data["language"],
        ip="127.0.0.0",
        origin=request.headers.get("Origin", ""),
        path=data["path"],
        client_time=timezone.now(),
    )
    return HttpResponse(status=204)


urlpatterns = [path("plain/<str:public_key>/consent", consent), *base_urlpatterns]
