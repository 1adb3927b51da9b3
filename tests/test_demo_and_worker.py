"""The demo command and the scheduled retention job."""

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from consentserve.analytics.models import AnalyticsDaily, AnalyticsEvent
from consentserve.analytics.rebuild import rollups_rebuild
from consentserve.installations.models import Installation
from consentserve.privacy import tasks
from consentserve.privacy.models import AccessLogEntry, PolicyVersion, RetentionRun
from consentserve.website.models import QuoteRequest

pytestmark = pytest.mark.django_db


def test_demo_data_is_realistic_and_idempotent():
    call_command("demo_data")
    counts = (QuoteRequest.objects.count(), AccessLogEntry.objects.count())
    assert counts[0] >= 4
    assert counts[1] >= 100
    assert QuoteRequest.objects.filter(status="resolved").exists()
    assert QuoteRequest.objects.filter(status="open").exists()
    # several days of access log, none older than the retention period
    oldest = AccessLogEntry.objects.order_by("captured_at").first().captured_at
    assert timedelta(days=3) < timezone.now() - oldest < timedelta(days=7)
    assert PolicyVersion.objects.count() == 1
    call_command("demo_data")
    assert (QuoteRequest.objects.count(), AccessLogEntry.objects.count()) == counts


def test_demo_analytics_fill_both_dashboards_with_consistent_roll_ups():
    call_command("demo_data")
    shop = Installation.objects.get(name="Beispiel Shop")
    assert shop.analytics_enabled
    for installation in (shop, Installation.objects.get(public_key="consentserve")):
        events = AnalyticsEvent.objects.filter(installation=installation)
        assert events.count() > 1000
        assert AnalyticsDaily.objects.filter(installation=installation, dimension="page").exists()
    # Counted as the writer would: a rebuild from the events finds nothing to change.
    days, differed = rollups_rebuild(check=True)
    assert days >= 59
    assert differed == 0
    events = AnalyticsEvent.objects.count()
    call_command("demo_data")
    assert AnalyticsEvent.objects.count() == events


def test_retention_is_scheduled_hourly_r_e_1():
    def due_at(hour, minute):
        moment = datetime(2026, 1, 1, hour, minute)  # noqa: DTZ001 - huey runs on naive UTC
        return {task.name for task in HUEY.read_periodic(moment)}

    name = tasks.retention_hourly.s().name
    assert all(name in due_at(hour, 7) for hour in range(24))
    assert name not in due_at(3, 8)


def test_scheduled_job_applies_the_register():
    AccessLogEntry.objects.create(
        ip="192.0.2.1", captured_at=timezone.now() - timedelta(days=8), requested_url="/"
    )
    tasks.retention_hourly.call_local()
    assert AccessLogEntry.objects.count() == 0
    assert RetentionRun.objects.filter(activity="access-logs", deleted=1).exists()
