"""The monthly run: issue, render and mail the invoices of a month for every organisation whose
contract ran in it. Safe to repeat: an organisation's month is issued once (the unique key and
the counter lock), a PDF is rendered once, a mail goes once."""

import logging
from datetime import date

from django.utils import timezone

from consentserve.core.months import month_previous

from .documents import invoice_pdf
from .invoicing import invoice_issue, organisations_to_bill
from .mail import invoice_mail
from .models import Invoice

logger = logging.getLogger(__name__)


def invoices_run(month: date | None = None) -> list[Invoice]:
    """Issue the invoices of `month` (by default the previous month); returns those issued now.
    Documents and mails left over by an earlier, interrupted run are completed as well."""
    month = month or month_previous(timezone.localdate())
    issued = []
    for organisation in organisations_to_bill(month):
        try:
            invoice = invoice_issue(organisation, month)
        except Exception:
            # One customer's problem must not stop the others' invoices; ids only in the log.
            logger.exception("invoice of organisation %s for %s failed", organisation.pk, month)
            continue
        if invoice is not None:
            issued.append(invoice)
    for invoice in Invoice.objects.filter(mailed_at__isnull=True, restricted=False).exclude(
        buyer_email=""
    ):
        try:
            invoice_pdf(invoice)
            invoice_mail(invoice)
        except Exception:
            logger.exception("invoice %s: document or mail failed", invoice.pk)
    return issued
