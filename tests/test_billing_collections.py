"""SEPA direct debit of invoices (issue 8, part 3): a collection run's pain.008 file validates
against its schema and debits each invoice under the mandate it names; the operator marks debits
received or returned; bad inputs (a mandate replaced with a new IBAN after the invoice, a date in
the past, an invoice collected twice, a return without its reason) are refused clearly."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sepaxml
import time_machine
from lxml import etree
from test_billing_factories import BERLIN, ISSUE_TIME, NOVEMBER, billed_customer

from consentserve.billing.collections import collection_mark, collection_run_create, iban_digest
from consentserve.billing.errors import BillingError, ErrorCode
from consentserve.billing.invoicing import credit_note_issue, invoice_issue
from consentserve.billing.models import Collection, CollectionRun
from consentserve.billing.services import sepa_mandate_replace
from consentserve.privacy.models import LegalHold

pytestmark = pytest.mark.django_db

PAIN = "{urn:iso:std:iso:20022:tech:xsd:pain.008.001.02}"
SCHEMA = Path(sepaxml.__file__).with_name("schemas") / "pain.008.001.02.xsd"
TODAY = date(2026, 12, 2)
COLLECT_ON = date(2026, 12, 4)


@pytest.fixture
def invoices():
    a, b = billed_customer("a", "Alpha GmbH"), billed_customer("b", "Beta AG")
    with time_machine.travel(ISSUE_TIME, tick=False):
        return [invoice_issue(c.organisation, NOVEMBER) for c in (a, b)], (a, b)


def _run(invoices, on=COLLECT_ON):
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN), tick=False):
        return collection_run_create(invoices, collection_date=on, today=TODAY)


def _valid(xml: bytes) -> etree._Element:
    document = etree.fromstring(xml)
    etree.XMLSchema(file=str(SCHEMA)).assertValid(document)
    return document


def test_a_collection_run_exports_a_pain_008_file_that_validates(invoices):
    (first, second), (a, _b) = invoices
    run, xml = _run([first, second])
    document = _valid(xml)
    assert document.find(f".//{PAIN}GrpHdr/{PAIN}NbOfTxs").text == "2"
    assert document.find(f".//{PAIN}GrpHdr/{PAIN}CtrlSum").text == "45.22"
    assert document.find(f".//{PAIN}ReqdColltnDt").text == "2026-12-04"
    assert document.find(f".//{PAIN}SeqTp").text == "FRST"
    mandates = [e.text for e in document.iter(f"{PAIN}MndtId")]
    assert mandates == ["CS-A", "CS-B"]
    ibans = [e.text for e in document.iter(f"{PAIN}IBAN")]
    assert "DE89370400440532013000" in ibans
    assert [e.text for e in document.iter(f"{PAIN}EndToEndId")] == [first.number, second.number]
    assert (run.count, run.total_cents) == (2, 4522)
    collection = Collection.objects.get(invoice=first)
    assert collection.iban_sha256 == iban_digest("DE89370400440532013000")
    assert LegalHold.objects.filter(object_id=str(collection.pk), kind="statutory").exists()


def test_the_next_debit_under_a_mandate_is_recurrent(invoices):
    (first, _second), (a, _b) = invoices
    _run([first])
    with time_machine.travel(ISSUE_TIME.replace(year=2027, month=1), tick=False):
        december = invoice_issue(a.organisation, date(2026, 12, 1))
    with time_machine.travel(datetime(2027, 1, 2, 9, 0, tzinfo=BERLIN), tick=False):
        _run_, xml = collection_run_create(
            [december], collection_date=date(2027, 1, 5), today=date(2027, 1, 2)
        )
    assert _valid(xml).find(f".//{PAIN}SeqTp").text == "RCUR"


def test_an_iban_changed_after_the_invoice_is_refused_and_nothing_is_collected(invoices):
    (first, second), (a, _b) = invoices
    sepa_mandate_replace(
        organisation=a.organisation,
        account_holder="Alpha GmbH",
        iban="DE02120300000000202051",
        bic="",
        actor=a.owner.user,
    )
    with pytest.raises(BillingError) as error:
        _run([second, first])
    assert error.value.code is ErrorCode.MANDATE_CHANGED
    assert error.value.code.status == 409
    assert first.number in error.value.message
    assert not CollectionRun.objects.exists()
    assert not Collection.objects.exists()


@pytest.mark.parametrize(
    ("on", "code"),
    [(TODAY, ErrorCode.COLLECTION_DATE), (TODAY - timedelta(days=3), ErrorCode.COLLECTION_DATE)],
)
def test_a_collection_date_that_is_not_ahead_is_refused(invoices, on, code):
    (first, _second), _customers = invoices
    with pytest.raises(BillingError) as error:
        _run([first], on=on)
    assert error.value.code is code


def test_an_invoice_is_not_collected_twice_nor_once_credited_in_full(invoices):
    (first, second), _customers = invoices
    _run([first])
    with pytest.raises(BillingError) as error:
        _run([first])
    assert error.value.code is ErrorCode.ALREADY_COLLECTED
    credit_note_issue(second, reason="Storno")
    with pytest.raises(BillingError) as error:
        _run([second])
    assert error.value.code is ErrorCode.NOTHING_TO_COLLECT
    with pytest.raises(BillingError) as error:
        _run([])
    assert error.value.code is ErrorCode.NOTHING_TO_COLLECT


def test_a_partly_credited_invoice_is_collected_for_what_is_left(invoices):
    (first, _second), _customers = invoices
    credit_note_issue(first, reason="Kulanz", net_cents=900)  # 10.71 € with VAT
    run, xml = _run([first])
    assert run.total_cents == 2261 - 1071
    assert _valid(xml).find(f".//{PAIN}InstdAmt").text == "11.90"


def test_debits_are_marked_received_or_returned_with_a_reason(invoices):
    (first, second), _customers = invoices
    _run([first, second])
    received = collection_mark(Collection.objects.get(invoice=first), status="received")
    assert received.status == "received"
    assert received.status_changed_at is not None
    with pytest.raises(BillingError) as error:
        collection_mark(received, status="returned", reason="MD06")
    assert error.value.code is ErrorCode.NOT_PENDING
    pending = Collection.objects.get(invoice=second)
    for bad in ("", "refused", "md0"):
        with pytest.raises(BillingError) as error:
            collection_mark(pending, status="returned", reason=bad)
        assert error.value.code is ErrorCode.RETURN_REASON
    returned = collection_mark(pending, status="returned", reason="md06")
    assert (returned.status, returned.return_reason) == ("returned", "MD06")
    # A returned debit may be collected again.
    run, _xml = _run([second], on=COLLECT_ON + timedelta(days=7))
    assert run.count == 1


def test_the_back_office_exports_the_file_and_marks_debits(admin_client, invoices):
    (first, second), (a, _b) = invoices
    response = admin_client.post(
        "/backoffice/billing/invoice/",
        {"action": "collect", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    _valid(response.content)
    response = admin_client.post(
        "/backoffice/billing/collection/",
        {"action": "mark_received", "_selected_action": [c.pk for c in Collection.objects.all()]},
        follow=True,
    )
    assert response.status_code == 200
    assert set(Collection.objects.values_list("status", flat=True)) == {"received"}
    # A run that cannot be made says why, on the page, without a file.
    response = admin_client.post(
        "/backoffice/billing/invoice/",
        {"action": "collect", "_selected_action": [first.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert first.number in response.content.decode()
    assert CollectionRun.objects.count() == 1
