"""Baseline (b): Django's ASGI handler with no middleware, serving minimal_urls.py."""

import os

import django
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.collector.minimal_settings")
django.setup(set_prefix=False)
# After allauth's start-up check, which wants its middleware listed; the handler reads the
# list when it is created.
settings.MIDDLEWARE = []
application = ASGIHandler()
