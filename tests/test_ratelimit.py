"""Issue 15: the one fixed-window limiter (core.ratelimit) on the shared database cache: a
window really ends, refused hits do not extend it, and every process sees the same counts."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.test import override_settings
from test_consent_log_factories import make_records
from test_consent_self_service import page_url, shop, visitor  # noqa: F401 - shop is a fixture
from test_website_quote import VALID

from consentserve.core import ratelimit
from consentserve.website.models import QuoteRequest

pytestmark = pytest.mark.django_db

# As a server has it: the counters in the database cache that core's migration made.
SHARED = {
    "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": ratelimit.TABLE,
    },
}
START = datetime(2026, 3, 10, 10, 5, tzinfo=UTC)


def test_six_quote_requests_within_an_hour_the_sixth_refused_then_accepted_after_the_hour(
    client, django_capture_on_commit_callbacks
):
    def quote():
        return client.post("/en/quote/", VALID, REMOTE_ADDR="203.0.113.20").status_code

    with (
        override_settings(CACHES=SHARED),
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(START, tick=False) as traveller,
    ):
        answers = []
        for _ in range(6):
            answers.append(quote())
            traveller.shift(timedelta(minutes=1))
        assert answers == [302] * 5 + [429]
        # Asking on and on within the hour changes nothing, and extends nothing.
        for _ in range(8):
            traveller.shift(timedelta(minutes=6))
            assert quote() == 429
        traveller.move_to(START + timedelta(hours=1, minutes=1))
        assert quote() == 302
    assert QuoteRequest.objects.count() == 6


def test_a_window_ends_on_time_however_many_hits_were_refused():
    with override_settings(CACHES=SHARED), time_machine.travel(START, tick=False) as traveller:
        hit = dict(scope="test", ident="198.51.100.0", limit=3, period_seconds=60)
        assert [ratelimit.rate_limit_hit(**hit) for _ in range(5)] == [True] * 3 + [False] * 2
        for _ in range(10):  # a refused hit every few seconds, as the visitor-record page saw
            traveller.shift(timedelta(seconds=5))
            assert ratelimit.rate_limit_hit(**hit) is False
        traveller.move_to(START.replace(minute=6, second=0))
        assert ratelimit.rate_limit_hit(**hit) is True
        # Others have counts of their own.
        assert ratelimit.rate_limit_hit(**{**hit, "ident": "198.51.101.0"}) is True


def test_counts_are_shared_by_every_process():
    """What another worker process would see: a new cache connection reads the same counts
    from the database, and the key holds no address."""
    with override_settings(CACHES=SHARED), time_machine.travel(START, tick=False):
        hit = dict(scope="shared", ident="203.0.113.0", limit=2, period_seconds=3600)
        assert ratelimit.rate_limit_hit(**hit) is True
        caches["ratelimit"].close()
        del caches["ratelimit"]  # a fresh cache object, as in another process
        assert ratelimit.rate_limit_hit(**hit) is True
        assert ratelimit.rate_limit_hit(**hit) is False
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"SELECT cache_key FROM {ratelimit.TABLE}")  # noqa: S608
            keys = [row[0] for row in cursor.fetchall()]
        assert keys
        assert not any("203.0.113" in key for key in keys)


def test_the_visitor_record_page_opens_again_when_the_minute_is_over(shop):  # noqa: F811
    """Asking on and on, as one /24 did, no longer keeps the page shut for the network."""
    from consentserve.collector.self_service import REQUESTS_PER_MINUTE

    _a, installation, version = shop
    [record] = make_records(installation, version, 1)
    url = page_url(installation, record.consent_id)
    client = visitor()
    with override_settings(CACHES=SHARED), time_machine.travel(START, tick=False) as traveller:
        statuses = [client.get(url).status_code for _ in range(REQUESTS_PER_MINUTE + 1)]
        assert statuses == [200] * REQUESTS_PER_MINUTE + [429]
        for _ in range(5):
            traveller.shift(timedelta(seconds=10))
            assert client.get(url).status_code == 429
        traveller.move_to(START.replace(minute=6, second=1))
        assert client.get(url).status_code == 200
