"""The invoice as a PDF with its e-invoice embedded: HTML rendered by WeasyPrint as PDF/A-3b in
the invoice's language, then the Factur-X XML attached by the `factur-x` library (which checks
it against the XSD first). The PDF is stored once, as first rendered: it is the document that
was sent."""

import warnings
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, translation
from django_countries import countries

from .einvoice import LEVEL, invoice_xml
from .invoicing import due_date
from .models import Invoice


def money(cents: int) -> str:
    """An amount in the active language's number format, e.g. 1.234,56 € or €1,234.56."""
    number = formats.number_format(
        Decimal(cents) / 100, decimal_pos=2, use_l10n=True, force_grouping=True
    )
    return f"{number} €" if translation.get_language() == "de" else f"€{number}"


def invoice_html(invoice: Invoice) -> str:
    with translation.override(invoice.language):
        lines = [
            {
                "position": line.position,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price_cents),
                "net": money(line.net_cents),
            }
            for line in invoice.lines.all()
        ]
        context = {
            "invoice": invoice,
            "lines": lines,
            "net": money(invoice.net_cents),
            "vat": money(invoice.vat_cents),
            "gross": money(invoice.gross_cents),
            "due_date": due_date(invoice),
            "creditor_id": settings.CONSENTSERVE_SELLER["creditor_id"],
            "seller_email": settings.CONSENTSERVE_SELLER["email"],
            "buyer_country": countries.name(invoice.buyer_country) or invoice.buyer_country,
            "reverse_charge": invoice.vat_category == Invoice.VatCategory.REVERSE_CHARGE,
        }
        return render_to_string("billing/invoice.html", context)


def invoice_pdf_render(invoice: Invoice) -> bytes:
    # WeasyPrint and factur-x load their libraries on first use; only documents pay for it.
    from facturx import generate_from_binary
    from weasyprint import HTML

    with warnings.catch_warnings():
        # WeasyPrint leaves its sRGB profile file for the garbage collector to close.
        warnings.simplefilter("ignore", ResourceWarning)
        pdf = HTML(string=invoice_html(invoice)).write_pdf(pdf_variant="pdf/a-3b")
    xml = invoice_xml(invoice, due_date=due_date(invoice))
    seller = invoice.seller_name
    return generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level=LEVEL,
        check_xsd=True,
        pdf_metadata={
            "author": seller,
            "keywords": "Factur-X, ZUGFeRD",
            "title": f"{seller}: {invoice.number}",
            "subject": f"{invoice.number} {invoice.issued_on.isoformat()}",
        },
        lang="de-DE" if invoice.language == "de" else "en-GB",
    )


def invoice_pdf(invoice: Invoice) -> bytes:
    """The stored PDF of the invoice; rendered and stored on first use."""
    stored = Invoice.objects.filter(pk=invoice.pk).values_list("pdf", flat=True).first()
    if stored:
        return bytes(stored)
    rendered = invoice_pdf_render(invoice)
    Invoice.objects.filter(pk=invoice.pk).update(pdf=rendered)  # only if none was stored
    stored = Invoice.objects.filter(pk=invoice.pk).values_list("pdf", flat=True).first()
    return bytes(stored) if stored else rendered


def invoice_filename(invoice: Invoice) -> str:
    return f"{invoice.number}.pdf"
