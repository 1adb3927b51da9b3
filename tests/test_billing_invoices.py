"""Invoices (issue 8, part 2; R-B3-4, R-B3-7): issued monthly from the roll-ups' usage, numbered
without gaps per year, immutable once issued, corrected only by credit notes, rendered as PDF
with an embedded Factur-X XML that validates, and mailed to the customer."""

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from facturx import get_xml_from_pdf, xml_check_xsd
from lxml import etree
from pypdf import PdfReader
from test_billing_factories import DURING_NOVEMBER, ISSUE_TIME, NOVEMBER, billed_customer, decisions

from consentserve.billing.documents import invoice_pdf
from consentserve.billing.errors import BillingError, ErrorCode
from consentserve.billing.invoicing import credit_note_issue, invoice_issue, vat_for
from consentserve.billing.models import Invoice, InvoiceImmutable, InvoiceLine, InvoiceSequence
from consentserve.billing.runs import invoices_run
from consentserve.privacy.models import LegalHold

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.travel(DURING_NOVEMBER),
    pytest.mark.req("R-B3-4", "R-B3-7"),
]

RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"


def issue(customer, month=NOVEMBER, at=ISSUE_TIME):
    with time_machine.travel(at, tick=False):
        return invoice_issue(customer.organisation, month)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def embedded_xml(pdf: bytes) -> etree._Element:
    filename, xml = get_xml_from_pdf(pdf, check_xsd=False)
    assert filename == "factur-x.xml"
    return etree.fromstring(xml)


def test_invoice_of_a_month_bills_plan_and_usage_from_the_rollups():
    customer = billed_customer()
    decisions(customer, date(2026, 11, 3), 8_000)
    decisions(customer, date(2026, 11, 30), 4_500)
    decisions(customer, date(2026, 10, 31), 99_999)  # another month
    decisions(customer, date(2026, 12, 1), 99_999)
    invoice = issue(customer)
    lines = list(invoice.lines.values_list("quantity", "unit_price_cents", "net_cents"))
    # Starter: 19 € a month with 10,000 decisions; 2,500 more begin one block of 10,000 at 2 €.
    assert lines == [(1, 1900, 1900), (1, 200, 200)]
    assert (invoice.usage_consents, invoice.usage_installations) == (12_500, 1)
    assert (invoice.net_cents, invoice.vat_cents, invoice.gross_cents) == (2100, 399, 2499)
    assert invoice.number == "2026-000001"
    assert (invoice.period_start, invoice.period_end) == (NOVEMBER, date(2026, 11, 30))
    assert (invoice.buyer_name, invoice.buyer_city) == ("Alpha GmbH", "Berlin")
    assert invoice.buyer_email == "owner@a.example"
    assert invoice.mandate_reference == "CS-A"


def test_each_invoice_is_held_for_8_years_from_the_end_of_its_year_r_b3_4():
    invoice = issue(billed_customer())
    hold = LegalHold.objects.get(object_id=str(invoice.pk))
    assert hold.kind == LegalHold.Kind.STATUTORY
    assert "§ 257 Abs. 1 Nr. 4 HGB" in hold.legal_basis
    assert hold.expires_at.astimezone(ISSUE_TIME.tzinfo).isoformat() == "2035-01-01T00:00:00+01:00"


def test_numbers_run_on_per_year_and_restart_in_a_new_year():
    a, b = billed_customer("a", "Alpha GmbH"), billed_customer("b", "Beta AG")
    first, second = issue(a), issue(b)
    third = issue(a, month=date(2026, 12, 1), at=ISSUE_TIME.replace(year=2027, month=1))
    assert [first.number, second.number, third.number] == [
        "2026-000001",
        "2026-000002",
        "2027-000001",
    ]


def test_the_monthly_run_issues_once_per_organisation_and_month(mailoutbox):
    a, b = billed_customer("a", "Alpha GmbH"), billed_customer("b", "Beta AG")
    with time_machine.travel(ISSUE_TIME, tick=False):
        assert len(invoices_run()) == 2
        assert invoices_run() == []
        call_command("billing_invoices", "--month", "2026-11")
    assert Invoice.objects.count() == 2
    assert InvoiceSequence.objects.get(year=2026).last == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["owner@a.example", "owner@b.example"]
    assert {a.organisation.pk, b.organisation.pk} == set(
        Invoice.objects.values_list("organisation", flat=True)
    )


def test_the_command_refuses_a_month_it_cannot_read():
    with pytest.raises(CommandError, match="2026-11"):
        call_command("billing_invoices", "--month", "November")


def test_no_invoice_before_the_contract_began_or_after_it_ended():
    customer = billed_customer(started=date(2026, 12, 5))
    assert issue(customer) is None
    ended = billed_customer("b", "Beta AG")
    ended.organisation.contract_ended_at = ISSUE_TIME.replace(year=2026, month=10, day=15)
    ended.organisation.save()
    assert issue(ended) is None


def test_the_first_month_is_billed_for_the_days_the_contract_ran():
    customer = billed_customer(started=date(2026, 11, 16))
    invoice = issue(customer)
    assert invoice.period_start == date(2026, 11, 16)
    # 15 of 30 days of 19 €.
    assert invoice.net_cents == 950
    assert "15 of 30 days" in invoice.lines.get().description or "15 von 30" in (
        invoice.lines.get().description
    )


# --- immutability ----------------------------------------------------------------------------


def test_an_issued_invoice_cannot_be_changed_or_deleted_r_b3_7():
    invoice = issue(billed_customer())
    invoice.buyer_name = "Someone Else"
    with pytest.raises(InvoiceImmutable):
        invoice.save()
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.filter(pk=invoice.pk).update(gross_cents=1)
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.filter(pk=invoice.pk).delete()
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.get(pk=invoice.pk).delete()
    line = invoice.lines.first()
    line.net_cents = 1
    with pytest.raises(InvoiceImmutable):
        line.save()
    with pytest.raises(InvoiceImmutable):
        InvoiceLine.objects.filter(invoice=invoice).update(net_cents=1)
    with pytest.raises(InvoiceImmutable):
        InvoiceLine.objects.filter(invoice=invoice).delete()
    with pytest.raises(InvoiceImmutable):
        line.delete()
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.buyer_name, stored.gross_cents) == ("Alpha GmbH", invoice.gross_cents)


def test_the_customer_changing_its_address_leaves_issued_invoices_as_they_were_r_b3_7():
    customer = billed_customer()
    invoice = issue(customer)
    customer.organisation.name, customer.organisation.city = "Alpha Neu GmbH", "Kassel"
    customer.organisation.save()
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert (invoice.buyer_name, invoice.buyer_city) == ("Alpha GmbH", "Berlin")
    assert "Alpha GmbH" in pdf_text(invoice_pdf(invoice))


def test_the_pdf_is_written_once():
    invoice = issue(billed_customer())
    pdf = invoice_pdf(invoice)
    assert Invoice.objects.filter(pk=invoice.pk).update(pdf=b"%PDF-forged") == 0
    assert invoice_pdf(invoice) == pdf


# --- credit notes ----------------------------------------------------------------------------


def test_a_credit_note_reverses_an_invoice_with_its_own_number_r_b3_7():
    customer = billed_customer()
    invoice = issue(customer)
    credit = credit_note_issue(invoice, reason="Doppelt berechnet")
    assert credit.kind == Invoice.Kind.CREDIT_NOTE
    assert credit.corrects == invoice
    assert credit.number == "2026-000002"
    assert (credit.net_cents, credit.vat_cents, credit.gross_cents) == (1900, 361, 2261)
    assert (credit.buyer_name, credit.period_start) == (invoice.buyer_name, invoice.period_start)
    assert LegalHold.objects.filter(object_id=str(credit.pk)).exists()
    with pytest.raises(BillingError) as error:
        credit_note_issue(invoice, reason="again")
    assert error.value.code is ErrorCode.NOTHING_TO_CREDIT


def test_partial_credit_notes_add_up_to_the_invoice_at_most():
    invoice = issue(billed_customer())
    first = credit_note_issue(invoice, reason="Kulanz", net_cents=500)
    assert (first.net_cents, first.vat_cents) == (500, 95)
    rest = credit_note_issue(invoice, reason="Vertrag storniert")
    assert rest.net_cents == 1400
    assert first.vat_cents + rest.vat_cents == invoice.vat_cents


@pytest.mark.parametrize(
    ("amount", "reason", "code"),
    [
        (-100, "negative", ErrorCode.INVALID_AMOUNT),
        (0, "zero", ErrorCode.INVALID_AMOUNT),
        (1901, "more than the invoice", ErrorCode.INVALID_AMOUNT),
        ("12", "not a number", ErrorCode.INVALID_AMOUNT),
        (100, "  ", ErrorCode.REASON_REQUIRED),
    ],
)
def test_bad_credit_notes_are_refused_with_a_clear_error(amount, reason, code):
    invoice = issue(billed_customer())
    with pytest.raises(BillingError) as error:
        credit_note_issue(invoice, reason=reason, net_cents=amount)
    assert error.value.code is code
    assert 400 <= error.value.code.status < 500
    assert Invoice.objects.count() == 1


def test_a_credit_note_cannot_be_credited():
    credit = credit_note_issue(issue(billed_customer()), reason="Storno")
    with pytest.raises(BillingError) as error:
        credit_note_issue(credit, reason="again")
    assert error.value.code is ErrorCode.NOT_AN_INVOICE


# --- VAT --------------------------------------------------------------------------------------


def test_vat_is_19_percent_and_reverse_charge_for_eu_businesses_with_a_vat_id():
    assert vat_for("DE", "DE123456789") == ("S", Decimal("19.00"))
    assert vat_for("AT", "") == ("S", Decimal("19.00"))
    assert vat_for("AT", "ATU12345678") == ("AE", Decimal("0.00"))
    assert vat_for("CH", "CHE-123.456.789") == ("S", Decimal("19.00"))


def test_a_reverse_charge_invoice_says_so_and_charges_no_vat():
    customer = billed_customer()
    organisation = customer.organisation
    organisation.country, organisation.vat_id = "AT", "ATU12345678"
    organisation.save()
    invoice = issue(customer)
    assert (invoice.vat_category, invoice.vat_cents, invoice.gross_cents) == ("AE", 0, 1900)
    text = pdf_text(invoice_pdf(invoice))
    assert "ATU12345678" in text
    assert "2006/112" in text
    xml = embedded_xml(invoice_pdf(invoice))
    assert xml.find(f".//{RAM}ExemptionReasonCode").text == "VATEX-EU-AE"


# --- PDF and e-invoice -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [("de", ["Rechnung", "Rechnungsdatum", "Gesamtbetrag"]), ("en", ["Invoice", "Total"])],
)
def test_the_pdf_shows_number_amounts_and_buyer_in_the_customers_language(language, words):
    customer = billed_customer()
    customer.subscription.language = language
    customer.subscription.save()
    decisions(customer, date(2026, 11, 3), 12_500)
    invoice = issue(customer)
    text = pdf_text(invoice_pdf(invoice))
    assert invoice.number in text
    assert "Alpha GmbH" in text
    assert "Hauptstraße 1" in text
    assert "10115 Berlin" in text
    amounts = ["24,99 €", "21,00 €", "3,99 €"] if language == "de" else ["€24.99", "€21.00"]
    for expected in [*amounts, *words, "CS-A", "DE000000000"]:
        assert expected in text, (expected, text)


def test_the_embedded_xml_validates_and_its_totals_are_the_invoices():
    customer = billed_customer()
    decisions(customer, date(2026, 11, 3), 12_500)
    invoice = issue(customer)
    pdf = invoice_pdf(invoice)
    _filename, xml_bytes = get_xml_from_pdf(pdf, check_xsd=False)
    assert xml_check_xsd(xml_bytes, flavor="factur-x", level="en16931")
    xml = etree.fromstring(xml_bytes)
    assert xml.find(f".//{RAM}ID").text == "urn:cen.eu:en16931:2017"
    totals = xml.find(f".//{RAM}SpecifiedTradeSettlementHeaderMonetarySummation")
    assert totals.find(f"{RAM}TaxBasisTotalAmount").text == "21.00"
    assert totals.find(f"{RAM}TaxTotalAmount").text == "3.99"
    assert totals.find(f"{RAM}GrandTotalAmount").text == "24.99"
    line_totals = [e.text for e in xml.iter(f"{RAM}LineTotalAmount")]
    assert line_totals == ["19.00", "2.00", "21.00"]
    assert xml.find(f".//{RAM}BuyerTradeParty/{RAM}Name").text == "Alpha GmbH"
    assert xml.find(f".//{RAM}DirectDebitMandateID").text == "CS-A"


def test_a_credit_notes_xml_is_type_381_and_names_the_invoice():
    invoice = issue(billed_customer())
    credit = credit_note_issue(invoice, reason="Storno")
    xml_bytes = get_xml_from_pdf(invoice_pdf(credit), check_xsd=True)[1]
    xml = etree.fromstring(xml_bytes)
    assert xml.find(f".//{RAM}TypeCode").text == "381"
    assert xml.find(f".//{RAM}InvoiceReferencedDocument/{RAM}IssuerAssignedID").text == (
        invoice.number
    )
    assert "Storno" in pdf_text(invoice_pdf(credit))


def test_a_broken_xml_would_fail_the_xsd():
    """The check can fail: a CII document without its mandatory parts does not validate."""
    broken = (
        b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
        b'CrossIndustryInvoice:100"/>'
    )
    with pytest.raises(Exception, match="XML Schema"):
        xml_check_xsd(broken, flavor="factur-x", level="en16931")


# --- mail ------------------------------------------------------------------------------------


def test_the_invoice_arrives_by_mail_with_its_pdf(smtp):
    billed_customer()
    with time_machine.travel(ISSUE_TIME, tick=False):
        invoices_run()
    invoice = Invoice.objects.get()
    assert invoice.mailed_at is not None
    [message] = smtp.to("owner@a.example")
    assert invoice.number in message["Subject"]
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    pdf = attachment.get_content()
    assert invoice.number in pdf_text(pdf)
    assert embedded_xml(pdf).find(f".//{RAM}GrandTotalAmount").text == "22.61"
    with time_machine.travel(ISSUE_TIME, tick=False):
        invoices_run()
    assert len(smtp.messages) == 1  # mailed once
