"""The ASGI entry point: the probes, metrics and request IDs (`/healthz`, `/readyz`, `/metrics`,
consentserve/core/probes.py) outermost, then the analytics ingest's raw route (`POST
/a/<key>/event`, consentserve/analytics) and the consent collector's (`POST`/`OPTIONS
/c/<key>/consent`, consentserve/collector) in front of Django, which serves everything else."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()

from consentserve.analytics.asgi import analytics_app  # noqa: E402 - needs the apps loaded
from consentserve.collector.asgi import collector_app  # noqa: E402 - needs the apps loaded
from consentserve.core.probes import probes_app  # noqa: E402 - needs the apps loaded

application = probes_app(analytics_app(collector_app(django_application)))
