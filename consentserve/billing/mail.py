"""Invoices by mail: the PDF (with its e-invoice inside) to the address copied onto the invoice,
in the invoice's language, through the privacy engine's guard (no mail to a restricted person)."""

import logging
import smtplib
from datetime import timedelta

from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consentserve.privacy.engine import deliver

from .documents import invoice_filename, invoice_pdf
from .models import Invoice

logger = logging.getLogger(__name__)


# A run that claimed a mail and then died (killed, machine lost) leaves the claim behind; after
# this long another run takes the mail over. A mail is far quicker than this.
CLAIM_EXPIRES = timedelta(minutes=30)


def _claim(invoice: Invoice) -> bool:
    """Claim the invoice's mail in the database before sending it: a conditional UPDATE that
    only one of two concurrent runs (two workers, two machines) can win."""
    now = timezone.now()
    return bool(
        Invoice.objects.filter(pk=invoice.pk, mailed_at__isnull=True)
        .filter(Q(mail_claimed_at__isnull=True) | Q(mail_claimed_at__lt=now - CLAIM_EXPIRES))
        .update(mail_claimed_at=now)
    )


def invoice_mail(invoice: Invoice) -> bool:
    """Send the invoice once; returns whether it went out now."""
    if invoice.mailed_at or invoice.restricted or not invoice.buyer_email:
        return False
    if not _claim(invoice):
        return False  # mailed, or being mailed, by another run
    try:
        sent = _send(invoice)
    except BaseException:
        Invoice.objects.filter(pk=invoice.pk).update(mail_claimed_at=None)
        raise
    if sent:
        Invoice.objects.filter(pk=invoice.pk).update(mailed_at=timezone.now())
    else:
        # Not sent (no mail server, a restricted person): the next run tries again.
        Invoice.objects.filter(pk=invoice.pk).update(mail_claimed_at=None)
    return sent


def _send(invoice: Invoice) -> bool:
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
    return sent
