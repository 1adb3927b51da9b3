"""Baseline (b): the project's settings (its apps, for the models, and its database) with a
URLconf of one minimal Django view and, as served by minimal_app.py, no middleware at all: what
Django itself costs for one ORM insert, without the product's middleware stack (which
plain_settings.py measures)."""

from config.settings import *  # noqa: F403

# Listed only for allauth's start-up check; minimal_app.py serves without any middleware.
MIDDLEWARE = ["allauth.account.middleware.AccountMiddleware"]
ROOT_URLCONF = "bench.collector.minimal_urls"
