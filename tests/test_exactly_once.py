"""Exactly once with several workers (issue 17): every periodic job runs once per period however
many workers start it (core.jobs.once_per, a claim in the database); an invoice is mailed once
even when two runs reach it at the same moment (a conditional UPDATE claims it first); a mail
the sending server delivers twice opens one privacy request (its Message-ID)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connections
from test_billing_factories import ISSUE_TIME, billed_customer
from test_privacy_requests_intake import SENDER, _message

from consentserve.billing.mail import invoice_mail
from consentserve.billing.models import Invoice
from consentserve.billing.runs import invoices_run
from consentserve.billing.tasks import invoices_monthly
from consentserve.core.jobs import claim, once_per, period_of
from consentserve.core.models import JobRun
from consentserve.privacy.models import RetentionRun
from consentserve.privacy.requests.intake import intake_message
from consentserve.privacy.requests.models import PrivacyRequest
from consentserve.privacy.tasks import privacy_requests_remind, retention_hourly

AT = datetime(2026, 12, 1, 3, 15, tzinfo=UTC)
# Two connections that wait for each other: the suite's in-memory SQLite database (shared
# cache) answers "table is locked" at once instead of waiting as the product's file database
# does, so the runs in two threads need PostgreSQL (scripts/with-postgres); on SQLite the
# tests run one after the other show the same claims.
concurrent = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="two concurrent connections: PostgreSQL only",
)


def _concurrently(function, times: int = 2) -> list:
    """Run `function` in `times` threads released at the same moment; their results."""
    barrier = threading.Barrier(times)
    results: list = [None] * times
    errors: list = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


@concurrent
@pytest.mark.django_db(transaction=True)
def test_two_workers_starting_the_hourly_retention_run_it_once():
    with time_machine.travel(AT, tick=False):
        results = _concurrently(lambda: retention_hourly.call_local())
    assert len([r for r in results if r is None]) == 1  # one of them did nothing
    assert RetentionRun.objects.values("run_id").distinct().count() == 1
    [run] = JobRun.objects.all()
    assert (run.job, run.period, run.outcome) == (
        "consentserve.privacy.tasks.retention_hourly",
        "2026-12-01T03",
        "done",
    )
    # The next hour is a new period: it runs again.
    with time_machine.travel(AT + timedelta(hours=1), tick=False):
        assert retention_hourly.call_local() is not None
    assert RetentionRun.objects.values("run_id").distinct().count() == 2


@pytest.mark.django_db
def test_every_periodic_job_claims_its_period():
    with time_machine.travel(AT, tick=False):
        for task in (retention_hourly, privacy_requests_remind, invoices_monthly):
            assert task.call_local() is not None
            assert task.call_local() is None  # the second start of the period does nothing
    assert JobRun.objects.count() == 3


@pytest.mark.django_db
def test_a_failed_job_is_recorded_with_its_error_type_only():
    @once_per("day", job="test.failing")
    def failing():
        raise ValueError("erika@beispiel.example")

    with time_machine.travel(AT, tick=False), pytest.raises(ValueError, match="erika"):
        failing()
    run = JobRun.objects.get(job="test.failing")
    assert (run.outcome, run.result) == ("failed", "ValueError")
    assert run.finished_at is not None


@pytest.mark.django_db
def test_periods_are_named_in_utc_whatever_the_local_time():
    assert period_of("hour", AT) == "2026-12-01T03"
    assert period_of("day", datetime(2026, 12, 1, 0, 30, tzinfo=UTC)) == "2026-12-01"
    assert claim("test.job", "2026-12-01") is not None
    assert claim("test.job", "2026-12-01") is None
    assert claim("test.job", "2026-12-02") is not None


@concurrent
@pytest.mark.django_db(transaction=True)
def test_two_invoice_runs_at_once_mail_the_invoice_once(smtp):
    billed_customer()
    with time_machine.travel(ISSUE_TIME, tick=False):
        _concurrently(invoices_run)
    invoice = Invoice.objects.get()
    assert invoice.mailed_at is not None
    assert len(smtp.to("owner@a.example")) == 1


@concurrent
@pytest.mark.django_db(transaction=True)
def test_two_senders_of_one_invoice_mail_it_once(smtp):
    billed_customer()
    with time_machine.travel(ISSUE_TIME, tick=False):
        invoices_run()
    invoice = Invoice.objects.get()
    assert len(smtp.messages) == 1
    # A claim left behind by a run that died is taken over once it has expired.
    Invoice.objects.filter(pk=invoice.pk).update(mailed_at=None, mail_claimed_at=None)
    smtp.messages.clear()
    results = _concurrently(lambda: invoice_mail(Invoice.objects.get(pk=invoice.pk)))
    assert sorted(results) == [False, True]
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_a_claim_left_by_a_dead_run_expires(smtp):
    billed_customer()
    with time_machine.travel(ISSUE_TIME, tick=False):
        invoices_run()
    invoice = Invoice.objects.get()
    smtp.messages.clear()
    claimed = ISSUE_TIME + timedelta(hours=1)
    Invoice.objects.filter(pk=invoice.pk).update(mailed_at=None, mail_claimed_at=claimed)
    with time_machine.travel(claimed + timedelta(minutes=10), tick=False):
        assert invoice_mail(Invoice.objects.get(pk=invoice.pk)) is False  # still claimed
    with time_machine.travel(claimed + timedelta(minutes=31), tick=False):
        assert invoice_mail(Invoice.objects.get(pk=invoice.pk)) is True
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_a_failed_mail_gives_the_claim_back(smtp, settings):
    billed_customer()
    settings.EMAIL_PORT = 1  # nothing listens there: the mail fails
    with time_machine.travel(ISSUE_TIME, tick=False):
        invoices_run()
    invoice = Invoice.objects.get()
    assert (invoice.mailed_at, invoice.mail_claimed_at) == (None, None)


@pytest.mark.django_db
def test_a_mail_delivered_twice_opens_one_case(smtp):
    message = _message(Message_ID="<retry-1@mail.example.net>")
    first = intake_message(message)
    again = intake_message(message)
    assert first is not None
    assert again.pk == first.pk
    other = intake_message(_message(Message_ID="<another@mail.example.net>"))
    assert other.pk != first.pk
    assert PrivacyRequest.objects.filter(email=SENDER).count() == 2
    # The header is kept only as a digest.
    assert "retry-1" not in PrivacyRequest.objects.get(pk=first.pk).message_digest


@concurrent
@pytest.mark.django_db(transaction=True)
def test_two_intake_processes_taking_the_same_message_at_once_open_one_case(smtp):
    message = _message(Message_ID="<concurrent@mail.example.net>")
    results = _concurrently(lambda: intake_message(message).pk)
    assert results[0] == results[1]
    assert PrivacyRequest.objects.count() == 1


@pytest.mark.django_db
def test_mail_without_a_message_id_is_still_taken(smtp):
    message = _message()
    del message["Message-ID"]
    assert intake_message(message) is not None
    assert intake_message(message) is not None  # nothing to compare: a case each
