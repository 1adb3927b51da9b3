"""Gap-free invoice numbers under concurrent issuing (issue 8, part 2; § 14(4) No. 4 UStG):
several threads issue invoices and credit notes at once, each through its own database
connection; the numbers of a year are 1…N without a gap or a duplicate, and an organisation's
month is issued once however many issuers race for it."""

import threading
from datetime import date

import pytest
import time_machine
from django.db import connection, connections
from test_billing_factories import ISSUE_TIME, NOVEMBER, billed_customer

from consentserve.billing import invoicing
from consentserve.billing.invoicing import credit_note_issue, invoice_issue
from consentserve.billing.models import Invoice, InvoiceSequence

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def _race(jobs) -> list:
    """Run the jobs in threads that start together; returns their results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    with time_machine.travel(ISSUE_TIME, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return results


def _numbers() -> list[int]:
    return sorted(int(n.split("-")[1]) for n in Invoice.objects.values_list("number", flat=True))


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's in-memory test database is one connection; its writes serialise anyway "
    "(transactions begin IMMEDIATE)",
)
def test_concurrent_issuing_leaves_no_gap_and_no_duplicate():
    customers = [billed_customer(f"c{i}", f"Kunde {i} GmbH") for i in range(THREADS)]
    # Every organisation twice: the second issuer of a month must find it issued.
    jobs = [
        (lambda c=c: invoice_issue(c.organisation, NOVEMBER)) for c in customers for _ in (1, 2)
    ]
    results = _race(jobs)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert Invoice.objects.count() == THREADS
    assert _numbers() == list(range(1, THREADS + 1))
    assert InvoiceSequence.objects.get(year=2026).last == THREADS

    invoices = list(Invoice.objects.all())
    results = _race([(lambda i=i: credit_note_issue(i, reason="Storno")) for i in invoices])
    assert [r for r in results if isinstance(r, Exception)] == []
    assert _numbers() == list(range(1, 2 * THREADS + 1))
    assert len(set(Invoice.objects.values_list("number", flat=True))) == 2 * THREADS


def test_a_failed_issue_gives_its_number_back(monkeypatch):
    """The counter moves in the transaction that writes the invoice: a rollback keeps no gap."""
    customer = billed_customer()

    def broken_hold(*args, **kwargs):
        raise RuntimeError("hold failed")

    with time_machine.travel(ISSUE_TIME, tick=False):
        monkeypatch.setattr(invoicing, "hold_statutory", broken_hold)
        with pytest.raises(RuntimeError):
            invoice_issue(customer.organisation, NOVEMBER)
        assert not Invoice.objects.exists()
        monkeypatch.undo()
        invoice = invoice_issue(customer.organisation, NOVEMBER)
    assert invoice.number == "2026-000001"
    assert invoice.issued_on == date(2026, 12, 1)
