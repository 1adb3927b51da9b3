"""Invoices by mail: the PDF (with its e-invoice inside) to the address copied onto the invoice,
in the invoice's language, through the privacy engine's guard (no mail to a restricted person)."""

import logging
import smtplib

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consentserve.privacy.engine import deliver

from .documents import invoice_filename, invoice_pdf
from .models import Invoice

logger = logging.getLogger(__name__)


def invoice_mail(invoice: Invoice) -> bool:
    """Send the invoice once; returns whether it went out now."""
    if invoice.mailed_at or invoice.restricted or not invoice.buyer_email:
        return False
    pdf = invoice_pdf(invoice)
    with translation.override(invoice.language):
        if invoice.is_credit_note:
            subject = _("Your credit note %(number)s") % {"number": invoice.number}
        else:
            subject = _("Your invoice %(number)s") % {"number": invoice.number}
        body = render_to_string("billing/emails/invoice.txt", {"invoice": invoice})
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[invoice.buyer_email],
        headers={"Content-Language": invoice.language, "Auto-Submitted": "auto-generated"},
    )
    message.attach(invoice_filename(invoice), pdf, "application/pdf")
    try:
        sent = deliver(message)
    except (smtplib.SMTPException, OSError) as error:
        # The next run tries again; the exception text can hold the address, so only its type.
        logger.error("invoice %s: mail failed (%s)", invoice.pk, type(error).__name__)
        return False
    if sent:
        Invoice.objects.filter(pk=invoice.pk).update(mailed_at=timezone.now())
    return sent
