"""Baseline (b): the project's settings with a URLconf that adds a plain Django view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.collector.plain_urls"
