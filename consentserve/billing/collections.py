"""SEPA direct debit of invoices (issue 8, part 3): a collection run exports a pain.008.001.02
file (python-sepaxml, checked against the schema it ships) for the operator to hand to the bank;
the operator then marks each debit received or returned.

A debit uses the mandate the invoice names. If the customer has given a new mandate since (new
bank details always come with a new mandate reference), the invoice is refused with a clear
reason instead of debiting an account under a mandate that does not cover it.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from consentserve.audit.chain import actor_of, record
from consentserve.privacy.legal_holds import hold_statutory

from .errors import BillingError, ErrorCode
from .invoicing import HOLD_PERIOD
from .models import Collection, CollectionRun, Invoice, SepaMandate

SCHEMA = "pain.008.001.02"
_REASON = re.compile(r"[A-Z0-9]{4}")


def iban_digest(iban: str) -> str:
    return hashlib.sha256(iban.replace(" ", "").upper().encode()).hexdigest()


def open_amount(invoice: Invoice) -> int:
    """The invoice's total less what credit notes gave back, in cents."""
    credited = invoice.credit_notes.aggregate(total=Sum("gross_cents"))["total"] or 0
    return invoice.gross_cents - credited


@dataclass(frozen=True)
class _Debit:
    invoice: Invoice
    mandate: SepaMandate
    amount: int
    sequence: str


def _debit(invoice: Invoice) -> _Debit:
    number = invoice.number
    if invoice.kind != Invoice.Kind.INVOICE or invoice.restricted:
        raise BillingError(ErrorCode.NOTHING_TO_COLLECT, subject=number)
    amount = open_amount(invoice)
    if amount <= 0:
        raise BillingError(ErrorCode.NOTHING_TO_COLLECT, subject=number)
    if invoice.collections.exclude(status=Collection.Status.RETURNED).exists():
        raise BillingError(ErrorCode.ALREADY_COLLECTED, subject=number)
    mandate = SepaMandate.objects.filter(organisation_id=invoice.organisation_id).first()
    if mandate is None or mandate.restricted or not invoice.mandate_reference:
        raise BillingError(ErrorCode.NO_MANDATE, subject=number)
    if mandate.reference != invoice.mandate_reference:
        raise BillingError(ErrorCode.MANDATE_CHANGED, subject=number)
    used = Collection.objects.filter(mandate_reference=mandate.reference).exclude(
        status=Collection.Status.RETURNED
    )
    return _Debit(invoice, mandate, amount, "RCUR" if used.exists() else "FRST")


def earliest_collection_date(today: date | None = None) -> date:
    return (today or timezone.localdate()) + timedelta(days=1)


def collection_run_create(
    invoices, *, collection_date: date, actor=None, today: date | None = None
) -> tuple[CollectionRun, bytes]:
    """A collection run for `invoices` on `collection_date`: the pain.008 file and its record.
    Refuses the whole run, naming the invoice, if any invoice cannot be collected."""
    from sepaxml import SepaDD

    if collection_date < earliest_collection_date(today):
        raise BillingError(ErrorCode.COLLECTION_DATE)
    debits = [_debit(invoice) for invoice in invoices]
    if not debits:
        raise BillingError(ErrorCode.NOTHING_TO_COLLECT)
    seller = settings.CONSENTSERVE_SELLER
    sepa = SepaDD(
        {
            "name": seller["name"],
            "IBAN": seller["iban"],
            "BIC": seller["bic"],
            "batch": True,
            "creditor_id": seller["creditor_id"],
            "currency": "EUR",
        },
        schema=SCHEMA,
    )
    for debit in debits:
        payment = {
            "name": debit.mandate.account_holder,
            "IBAN": debit.mandate.iban,
            "amount": debit.amount,
            "type": debit.sequence,
            "collection_date": collection_date,
            "mandate_id": debit.mandate.reference,
            "mandate_date": debit.mandate.signed_on,
            "description": f"{seller['name']} {debit.invoice.number}",
            "endtoend_id": debit.invoice.number,
        }
        if debit.mandate.bic:
            payment["BIC"] = debit.mandate.bic
        sepa.add_payment(payment)
    xml = sepa.export(validate=True)  # against the pain.008.001.02 schema
    with transaction.atomic():
        run = CollectionRun.objects.create(
            message_id=f"CS-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(4)}",
            collection_date=collection_date,
            count=len(debits),
            total_cents=sum(d.amount for d in debits),
        )
        for debit in debits:
            collection = Collection.objects.create(
                run=run,
                invoice=debit.invoice,
                mandate_reference=debit.mandate.reference,
                sequence=debit.sequence,
                amount_cents=debit.amount,
                iban_sha256=iban_digest(debit.mandate.iban),
            )
            hold_statutory(
                collection, period_id=HOLD_PERIOD, document_date=collection_date, actor=actor
            )
        record(
            "billing.collection_run",
            actor=actor_of(actor),
            target=f"billing.collectionrun:{run.pk}",
            detail={"count": run.count, "invoices": [d.invoice.number for d in debits]},
        )
    return run, xml


def collection_mark(
    collection: Collection, *, status: str, reason: str = "", actor=None
) -> Collection:
    """Record what the bank did with a debit: received, or returned with its reason code."""
    reason = (reason or "").strip().upper()
    with transaction.atomic():
        collection = Collection.objects.select_for_update().get(pk=collection.pk)
        if collection.status != Collection.Status.PENDING or status not in (
            Collection.Status.RECEIVED,
            Collection.Status.RETURNED,
        ):
            raise BillingError(ErrorCode.NOT_PENDING, subject=collection.invoice.number)
        if status == Collection.Status.RETURNED and not _REASON.fullmatch(reason):
            raise BillingError(ErrorCode.RETURN_REASON, subject=collection.invoice.number)
        collection.status = status
        collection.return_reason = reason if status == Collection.Status.RETURNED else ""
        collection.status_changed_at = timezone.now()
        collection.save(update_fields=["status", "return_reason", "status_changed_at"])
        record(
            "billing.collection_mark",
            actor=actor_of(actor),
            target=f"billing.collection:{collection.pk}",
            detail={"status": status, "reason": collection.return_reason},
        )
    return collection
