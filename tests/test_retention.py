"""E, B.1, B.2: the retention engine travels in time."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from consentserve.privacy.models import AccessLogEntry, LegalHold, RetentionRun
from consentserve.privacy.retention import retention_run
from consentserve.website.models import QuoteRequest

pytestmark = pytest.mark.django_db


def _log_entry(at):
    return AccessLogEntry.objects.create(ip="198.51.100.7", captured_at=at, requested_url="/de/")


def _quote(**kwargs):
    defaults = {
        "contact_name": "Erika Mustermann",
        "email": "erika@example.com",
        "company": "Beispiel GmbH",
        "message": "Wir brauchen ein Angebot.",
    }
    return QuoteRequest.objects.create(**{**defaults, **kwargs})


@pytest.mark.req("R-B1-2")
def test_access_log_older_than_7_days_and_1_hour_is_gone_r_b1_2():
    now = timezone.now()
    old = _log_entry(now - timedelta(days=7, hours=2))
    recent = _log_entry(now - timedelta(days=6))
    retention_run(now=now)
    assert not AccessLogEntry.objects.filter(pk=old.pk).exists()
    assert AccessLogEntry.objects.filter(pk=recent.pk).exists()


@pytest.mark.req("R-B1-2")
def test_access_log_entry_is_gone_after_travelling_7_days_and_1_hour_r_b1_2():
    entry = _log_entry(timezone.now())
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        retention_run()
        assert AccessLogEntry.objects.filter(pk=entry.pk).exists()
    with time_machine.travel(timezone.now() + timedelta(days=7, hours=1)):
        retention_run()
        assert not AccessLogEntry.objects.filter(pk=entry.pk).exists()


def test_resolved_quote_is_deleted_after_90_days_r_b2_2():
    resolved = _quote(status=QuoteRequest.Status.RESOLVED, resolved_at=timezone.now())
    open_case = _quote(created_at=timezone.now() - timedelta(days=400))
    with time_machine.travel(timezone.now() + timedelta(days=89)):
        retention_run()
        assert QuoteRequest.objects.filter(pk=resolved.pk).exists()
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        retention_run()
        assert not QuoteRequest.objects.filter(pk=resolved.pk).exists()
        assert QuoteRequest.objects.filter(pk=open_case.pk).exists()


def test_held_quote_is_kept_restricted_and_deleted_after_release_r_e_3():
    held = _quote(status=QuoteRequest.Status.RESOLVED, resolved_at=timezone.now())
    hold = LegalHold.objects.create(
        kind=LegalHold.Kind.STATUTORY,
        reason="quote sent: commercial letter",
        legal_basis="§ 257 Abs. 1 Nr. 2 HGB",
        content_type=ContentType.objects.get_for_model(QuoteRequest),
        object_id=str(held.pk),
    )
    later = timezone.now() + timedelta(days=91)
    runs = retention_run(now=later)
    held.refresh_from_db()
    assert held.restricted
    quote_run = next(r for r in runs if r.activity == "quote-requests")
    assert (quote_run.held, quote_run.deleted) == (1, 0)

    hold.released_at = later
    hold.save()
    retention_run(now=later + timedelta(hours=1))
    assert not QuoteRequest.objects.filter(pk=held.pk).exists()


def test_expired_hold_no_longer_protects_r_e_3():
    quote = _quote(status=QuoteRequest.Status.RESOLVED, resolved_at=timezone.now())
    LegalHold.objects.create(
        kind=LegalHold.Kind.LITIGATION,
        reason="claim",
        content_type=ContentType.objects.get_for_model(QuoteRequest),
        object_id=str(quote.pk),
        expires_at=timezone.now() + timedelta(days=100),
    )
    retention_run(now=timezone.now() + timedelta(days=95))
    assert QuoteRequest.objects.filter(pk=quote.pk).exists()
    retention_run(now=timezone.now() + timedelta(days=101))
    assert not QuoteRequest.objects.filter(pk=quote.pk).exists()


def test_dry_run_counts_and_changes_nothing_and_every_run_is_recorded():
    _log_entry(timezone.now() - timedelta(days=30))
    call_command("privacy_retention", "--dry-run")
    assert AccessLogEntry.objects.count() == 1
    run = RetentionRun.objects.get(activity="access-logs")
    assert (run.dry_run, run.due, run.deleted) == (True, 1, 0)


def test_batches_are_bounded_and_complete():
    now = timezone.now()
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(ip="192.0.2.1", captured_at=now - timedelta(days=8), requested_url="/")
        for _ in range(25)
    )
    runs = retention_run(now=now, batch_size=7)
    assert AccessLogEntry.objects.count() == 0
    assert next(r for r in runs if r.activity == "access-logs").deleted == 25
