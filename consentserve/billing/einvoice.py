"""The invoice as Factur-X / ZUGFeRD XML (UN/CEFACT Cross Industry Invoice, profile EN 16931),
built with lxml from the stored invoice and checked against the official XSD shipped with the
`factur-x` library, which also embeds it into the PDF (documents.py)."""

from decimal import Decimal

from django.conf import settings
from lxml import etree

from .models import Invoice

PROFILE = "urn:cen.eu:en16931:2017"
LEVEL = "en16931"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
TYPE_CODES = {Invoice.Kind.INVOICE: "380", Invoice.Kind.CREDIT_NOTE: "381"}
SEPA_DIRECT_DEBIT = "59"  # UNTDID 4461


def amount(cents: int) -> str:
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


def _el(parent, tag: str, text: str | None = None, **attributes) -> etree._Element:
    prefix, _, name = tag.partition(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", **attributes)
    if text is not None:
        element.text = text
    return element


def _date(parent, tag: str, day, *, ns: str = "udt") -> None:
    _el(_el(parent, tag), f"{ns}:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _party(parent, tag: str, *, name, street, postcode, city, country, vat_id) -> None:
    party = _el(parent, tag)
    _el(party, "ram:Name", name)
    address = _el(party, "ram:PostalTradeAddress")
    _el(address, "ram:PostcodeCode", postcode)
    _el(address, "ram:LineOne", street)
    _el(address, "ram:CityName", city)
    _el(address, "ram:CountryID", country)
    if vat_id:
        _el(_el(party, "ram:SpecifiedTaxRegistration"), "ram:ID", vat_id, schemeID="VA")


def _tax(parent, invoice: Invoice, *, header: bool) -> None:
    tax = _el(parent, "ram:ApplicableTradeTax")
    reverse = invoice.vat_category == Invoice.VatCategory.REVERSE_CHARGE
    if header:
        _el(tax, "ram:CalculatedAmount", amount(invoice.vat_cents))
    _el(tax, "ram:TypeCode", "VAT")
    if header and reverse:
        _el(tax, "ram:ExemptionReason", "Reverse charge")
    if header:
        _el(tax, "ram:BasisAmount", amount(invoice.net_cents))
    _el(tax, "ram:CategoryCode", invoice.vat_category)
    if header and reverse:
        _el(tax, "ram:ExemptionReasonCode", "VATEX-EU-AE")
    _el(tax, "ram:RateApplicablePercent", str(invoice.vat_rate))


def invoice_xml(invoice: Invoice, *, due_date) -> bytes:
    """The CII XML of an issued invoice or credit note, UTF-8 encoded."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", PROFILE)
    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", invoice.number)
    _el(document, "ram:TypeCode", TYPE_CODES[invoice.kind])
    _date(document, "ram:IssueDateTime", invoice.issued_on)
    if invoice.note:
        _el(_el(document, "ram:IncludedNote"), "ram:Content", invoice.note)

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for line in invoice.lines.all():
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(line.position))
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        price = _el(agreement, "ram:NetPriceProductTradePrice")
        _el(price, "ram:ChargeAmount", amount(line.unit_price_cents))
        delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
        _el(delivery, "ram:BilledQuantity", str(line.quantity), unitCode="C62")
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        _tax(settlement, invoice, header=False)
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", amount(line.net_cents))

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _party(
        agreement,
        "ram:SellerTradeParty",
        name=invoice.seller_name,
        street=invoice.seller_street,
        postcode=invoice.seller_postcode,
        city=invoice.seller_city,
        country=invoice.seller_country,
        vat_id=invoice.seller_vat_id,
    )
    _party(
        agreement,
        "ram:BuyerTradeParty",
        name=invoice.buyer_name,
        street=invoice.buyer_street,
        postcode=invoice.buyer_postcode,
        city=invoice.buyer_city,
        country=invoice.buyer_country,
        vat_id=invoice.buyer_vat_id,
    )
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")

    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    if invoice.mandate_reference:
        _el(settlement, "ram:CreditorReferenceID", settings.CONSENTSERVE_SELLER["creditor_id"])
    _el(settlement, "ram:PaymentReference", invoice.number)
    _el(settlement, "ram:InvoiceCurrencyCode", invoice.currency)
    if invoice.mandate_reference:
        _el(_el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans"), "ram:TypeCode", "59")
    _tax(settlement, invoice, header=True)
    period = _el(settlement, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", invoice.period_start)
    _date(period, "ram:EndDateTime", invoice.period_end)
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    _date(terms, "ram:DueDateDateTime", due_date)
    if invoice.mandate_reference:
        _el(terms, "ram:DirectDebitMandateID", invoice.mandate_reference)
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", amount(invoice.net_cents))
    _el(totals, "ram:TaxBasisTotalAmount", amount(invoice.net_cents))
    _el(totals, "ram:TaxTotalAmount", amount(invoice.vat_cents), currencyID=invoice.currency)
    _el(totals, "ram:GrandTotalAmount", amount(invoice.gross_cents))
    _el(totals, "ram:DuePayableAmount", amount(invoice.gross_cents))
    if invoice.corrects_id:
        corrected = invoice.corrects
        reference = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(reference, "ram:IssuerAssignedID", corrected.number)
        _date(reference, "ram:FormattedIssueDateTime", corrected.issued_on, ns="qdt")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def xml_valid(xml: bytes) -> bool:
    """Whether the XML passes the XSD of its Factur-X profile; raises with the reason if not."""
    from facturx import xml_check_xsd

    return xml_check_xsd(xml, flavor="factur-x", level=LEVEL)
