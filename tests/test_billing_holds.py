"""Legal holds of invoices (issue 8, part 4; R-B3-4, R-B3-5, R-B3-6, R-E-3): every invoice and
credit note is held for 8 years from the end of its year; when the account goes, the invoices
stay with only what is printed on them, restricted, and nothing else of the customer stays;
once the hold has ended, retention deletes them."""

import json
from datetime import date, datetime

import pytest
import time_machine
from test_billing_factories import BERLIN, ISSUE_TIME, NOVEMBER
from test_privacy_engine_world import PASSWORD, person, traces

from consentserve.accounts.models import Organisation
from consentserve.billing.collections import collection_run_create
from consentserve.billing.documents import invoice_pdf
from consentserve.billing.invoicing import credit_note_issue, invoice_issue
from consentserve.billing.models import (
    Collection,
    Invoice,
    InvoiceLine,
    PlanChange,
    Subscription,
)
from consentserve.privacy import engine
from consentserve.privacy.models import DeferredErasure
from consentserve.privacy.retention import retention_run
from consentserve.website.models import QuoteRequest

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-4", "R-B3-5", "R-B3-6", "R-E-3")]

ERASED_AT = datetime(2027, 2, 1, 10, 0, tzinfo=BERLIN)
LAST_DAY_HELD = datetime(2034, 12, 31, 12, 0, tzinfo=BERLIN)
HOLD_ENDED = datetime(2035, 1, 1, 1, 0, tzinfo=BERLIN)
# Printed on the invoice (and in its PDF): these stay while the invoice is held.
PRINTED = ("buyer_name", "buyer_street", "buyer_postcode", "buyer_city", "buyer_vat_id")


@pytest.fixture
def customer():
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=BERLIN), tick=False):
        mara = person("Mara", "Nebelung", company="Nebelung Design", iban="DE02120300000000202051")
    with time_machine.travel(ISSUE_TIME, tick=False):
        mara.invoice = invoice_issue(mara.organisation, NOVEMBER)
    return mara


def _run(at):
    with time_machine.travel(at, tick=False):
        return retention_run()


def _needles(mara) -> list[str]:
    return [mara.user.email, "Mara Nebelung", "Mara", "DE02120300000000202051"]


def test_erasing_the_account_keeps_the_held_invoice_with_only_its_printed_fields_r_b3_6(
    customer,
):
    invoice = customer.invoice
    with time_machine.travel(ERASED_AT, tick=False):
        report = engine.account_erase(user=customer.user, password=PASSWORD)
    kept = dict(report.kept)
    assert kept["billing.Invoice"].count == 1
    assert kept["billing.Invoice"].article == "17(3)(b)"
    assert kept["billing.Invoice"].until.astimezone(BERLIN) == datetime(2035, 1, 1, tzinfo=BERLIN)
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.restricted
    assert stored.organisation is None
    assert stored.buyer_email == ""
    for field in PRINTED:
        assert getattr(stored, field) == getattr(invoice, field)
    assert (stored.number, stored.gross_cents) == (invoice.number, invoice.gross_cents)
    assert InvoiceLine.objects.filter(invoice=invoice).count() == invoice.lines.count()
    # Nothing else of the customer: organisation, subscription, mandate, sign-in are gone.
    assert not Organisation.objects.filter(pk=customer.organisation.pk).exists()
    assert not Subscription.objects.exists()
    assert not PlanChange.objects.exists()
    allowed = {("billing.Invoice", invoice.pk)}
    assert traces(user_id=customer.user.pk, needles=_needles(customer), allowed=allowed) == []
    assert DeferredErasure.objects.filter(object_id=str(invoice.pk)).exists()


def test_the_held_invoice_goes_when_its_hold_ends_r_e_3(customer):
    with time_machine.travel(ERASED_AT, tick=False):
        engine.account_erase(user=customer.user, password=PASSWORD)
    _run(LAST_DAY_HELD)
    assert Invoice.objects.filter(pk=customer.invoice.pk).exists()
    _run(HOLD_ENDED)
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()
    assert not DeferredErasure.objects.exists()


def test_when_the_contract_ends_the_account_goes_and_the_invoice_stays_restricted_r_b3_5(
    customer,
):
    organisation = customer.organisation
    organisation.contract_ended_at = datetime(2026, 12, 31, 18, 0, tzinfo=BERLIN)
    organisation.save()
    _run(datetime(2028, 1, 2, tzinfo=BERLIN))
    assert not Organisation.objects.filter(pk=organisation.pk).exists()
    stored = Invoice.objects.get(pk=customer.invoice.pk)
    assert stored.restricted
    assert stored.buyer_email == ""
    assert stored.organisation is None
    assert stored.buyer_name == "Nebelung Design"
    # The quote request before the contract is a case of its own, with its own retention.
    allowed = {("billing.Invoice", stored.pk)} | {
        ("website.QuoteRequest", pk) for pk in QuoteRequest.objects.values_list("pk", flat=True)
    }
    assert traces(user_id=customer.user.pk, needles=_needles(customer), allowed=allowed) == []
    _run(LAST_DAY_HELD)
    assert Invoice.objects.filter(pk=stored.pk).exists()
    runs = _run(HOLD_ENDED)
    assert not Invoice.objects.exists()
    invoice_run = next(r for r in runs if r.store == "billing.Invoice" and r.action == "delete")
    assert invoice_run.deleted >= 1  # with its lines


def test_a_credit_note_keeps_its_invoice_as_long_as_it_is_held_itself_r_b3_4(customer):
    with time_machine.travel(datetime(2027, 1, 10, tzinfo=BERLIN), tick=False):
        credit = credit_note_issue(customer.invoice, reason="Storno")
    _run(HOLD_ENDED)  # the invoice's own hold has ended, the credit note's (2036) not
    assert Invoice.objects.filter(pk=customer.invoice.pk).exists()
    assert Invoice.objects.filter(pk=credit.pk).exists()
    _run(datetime(2036, 1, 1, 1, 0, tzinfo=BERLIN))
    assert not Invoice.objects.exists()


def test_an_invoice_under_its_hold_cannot_be_deleted_even_by_retention_rules(customer):
    runs = _run(datetime(2030, 1, 1, tzinfo=BERLIN))
    invoice_run = next(r for r in runs if r.store == "billing.Invoice" and r.action == "delete")
    assert invoice_run.deleted == 0
    assert Invoice.objects.filter(pk=customer.invoice.pk).exists()


def test_a_direct_debit_stays_with_its_held_invoice_without_the_account_r_b3_5(customer):
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN), tick=False):
        collection_run_create([customer.invoice], collection_date=date(2026, 12, 4))
    with time_machine.travel(ERASED_AT, tick=False):
        engine.account_erase(user=customer.user, password=PASSWORD)
    collection = Collection.objects.get()
    assert collection.restricted
    assert collection.iban_sha256 == ""
    assert collection.mandate_reference == customer.invoice.mandate_reference  # printed
    _run(HOLD_ENDED)
    assert not Collection.objects.exists()
    assert not Invoice.objects.exists()


def test_the_customers_copy_lists_its_invoices_without_the_pdf_r_f_15(customer):
    invoice_pdf(customer.invoice)
    report = engine.access_report(engine.Subject.for_user(customer.user), language="en")
    data = json.loads(engine.report_json(report))
    text = json.dumps(data)
    assert customer.invoice.number in text
    assert "%PDF" not in text
