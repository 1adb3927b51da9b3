"""Issuing invoices and credit notes (R-B3-4, R-B3-7).

- Numbers are gap-free per year (`2026-000123`): the year's InvoiceSequence row is locked with
  SELECT … FOR UPDATE in the transaction that writes the invoice, so concurrent issuers queue
  for it and a rolled-back issue gives its number back. (SQLite serialises writing
  transactions anyway: they begin IMMEDIATE.)
- Everything printed is copied onto the invoice at issue; an issued invoice is never changed
  (models.InvoiceQuerySet); a correction is a credit note with its own number.
- Each document is held for the register's `vouchers` period (8 years from the end of the year
  of issue) in the same transaction, so no invoice exists without its hold.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from consentserve.accounts.models import Membership, Organisation
from consentserve.audit.chain import actor_of, record
from consentserve.core.months import month_end, month_next, month_start
from consentserve.privacy.legal_holds import hold_statutory

from .errors import BillingError, ErrorCode
from .models import Invoice, InvoiceLine, InvoiceSequence, SepaMandate
from .subscriptions import plan_for_month, subscription_for
from .usage import usage_for_month

VAT_RATE = Decimal("19.00")
CONSENT_BLOCK = 10_000
# Member states of the EU (VAT ID prefixes use EL for Greece; ISO codes are used here).
_EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_COUNTRIES = frozenset(_EU.split())
HOLD_PERIOD = "vouchers"  # the register's statutory period for invoices (§ 14b UStG)


@dataclass(frozen=True)
class Line:
    description: str
    quantity: int
    unit_price_cents: int

    @property
    def net_cents(self) -> int:
        return self.quantity * self.unit_price_cents


def cents_round(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def vat_for(buyer_country: str, buyer_vat_id: str) -> tuple[str, Decimal]:
    """Reverse charge for a business in another EU member state that gave its VAT ID (Art. 196
    VAT Directive); 19 % otherwise. Customers outside the EU are charged 19 % as well: the
    product is sold to businesses in the EU (billing/README.md)."""
    seller_country = settings.CONSENTSERVE_SELLER["country"]
    if buyer_vat_id and buyer_country != seller_country and buyer_country in EU_COUNTRIES:
        return Invoice.VatCategory.REVERSE_CHARGE, Decimal("0.00")
    return Invoice.VatCategory.STANDARD, VAT_RATE


def _date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def month_lines(organisation: Organisation, month: date) -> tuple[list[Line], dict] | None:
    """The lines of an organisation's invoice for `month`, or None when nothing is billed
    (no subscription in that month, or the contract had ended before it)."""
    subscription = subscription_for(organisation)
    plan = plan_for_month(subscription, month)
    last = month_end(month)
    first = max(month, subscription.started_on)
    if organisation.contract_ended_at is not None:
        last = min(last, timezone.localdate(organisation.contract_ended_at))
    if plan is None or first > last:
        return None
    days, month_days = (last - first).days + 1, (month_end(month) - month).days + 1
    usage = usage_for_month(organisation, month)
    with translation.override(subscription.language):
        if days == month_days:
            base = Line(
                _("Plan %(plan)s, %(first)s – %(last)s")
                % {"plan": plan.name, "first": _date(first), "last": _date(last)},
                1,
                plan.monthly_price_cents,
            )
        else:
            # The first or last month of a contract: the days it ran.
            base = Line(
                _("Plan %(plan)s, %(first)s – %(last)s (%(days)s of %(month_days)s days)")
                % {
                    "plan": plan.name,
                    "first": _date(first),
                    "last": _date(last),
                    "days": days,
                    "month_days": month_days,
                },
                1,
                cents_round(Decimal(plan.monthly_price_cents) * days / month_days),
            )
        lines = [base]
        extra = max(0, usage.consents - plan.included_consents)
        if extra:
            lines.append(
                Line(
                    _(
                        "Further consent decisions: %(extra)s above the %(included)s included, "
                        "per 10,000 begun"
                    )
                    % {
                        "extra": formats.number_format(extra, force_grouping=True),
                        "included": formats.number_format(
                            plan.included_consents, force_grouping=True
                        ),
                    },
                    math.ceil(extra / CONSENT_BLOCK),
                    plan.extra_10k_price_cents,
                )
            )
    facts = {
        "plan_name": plan.name,
        "usage_consents": usage.consents,
        "usage_installations": usage.installations,
        "period_start": first,
        "period_end": last,
        "language": subscription.language,
    }
    return lines, facts


def _owner_email(organisation: Organisation) -> str:
    owner = (
        Membership.objects.filter(organisation=organisation, role=Membership.Role.OWNER)
        .select_related("user")
        .first()
    )
    return owner.user.email if owner else ""


def _seller() -> dict:
    seller = settings.CONSENTSERVE_SELLER
    return {
        "seller_name": seller["name"],
        "seller_street": seller["street"],
        "seller_postcode": seller["postcode"],
        "seller_city": seller["city"],
        "seller_country": seller["country"],
        "seller_vat_id": seller["vat_id"],
    }


def _issue(fields: dict, lines: list[Line], *, now: datetime, actor=None) -> Invoice:
    """Number, write and hold one document in one transaction; returns it."""
    issued_on = timezone.localdate(now)
    year = issued_on.year
    # The year's counter row exists before any transaction locks it.
    InvoiceSequence.objects.get_or_create(year=year)
    with transaction.atomic():
        sequence = InvoiceSequence.objects.select_for_update().get(year=year)
        if fields.get("kind", Invoice.Kind.INVOICE) == Invoice.Kind.INVOICE and (
            Invoice.objects.filter(
                kind=Invoice.Kind.INVOICE,
                organisation=fields["organisation"],
                period_start__gte=month_start(fields["period_start"]),
                period_start__lte=month_end(fields["period_start"]),
            ).exists()
        ):
            return None  # issued meanwhile by another run: the lock made us wait for it
        sequence.last += 1
        sequence.save(update_fields=["last"])
        net = sum(line.net_cents for line in lines)
        vat = fields.pop("vat_cents", None)
        if vat is None:
            vat = cents_round(Decimal(net) * fields["vat_rate"] / 100)
        invoice = Invoice.objects.create(
            number=f"{year}-{sequence.last:06d}",
            issued_at=now,
            issued_on=issued_on,
            net_cents=net,
            vat_cents=vat,
            gross_cents=net + vat,
            **fields,
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                position=position,
                description=line.description,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
                net_cents=line.net_cents,
            )
            for position, line in enumerate(lines, start=1)
        )
        hold_statutory(invoice, period_id=HOLD_PERIOD, document_date=issued_on, actor=actor)
        record(
            "billing.issue",
            actor=actor_of(actor),
            target=f"billing.invoice:{invoice.pk}",
            detail={"number": invoice.number, "kind": invoice.kind},
        )
    return invoice


def invoice_issue(
    organisation: Organisation, month: date, *, now: datetime | None = None
) -> Invoice | None:
    """The organisation's invoice for `month`, issued now; None when there is nothing to bill
    or it was issued before (the monthly run may run any number of times)."""
    now = now or timezone.now()
    if (
        Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE, organisation=organisation, period_start__gte=month
        )
        .filter(period_start__lte=month_end(month))
        .exists()
    ):
        return None
    computed = month_lines(organisation, month)
    if computed is None:
        return None
    lines, facts = computed
    category, rate = vat_for(str(organisation.country), organisation.vat_id)
    mandate = SepaMandate.objects.filter(organisation=organisation, restricted=False).first()
    fields = {
        "kind": Invoice.Kind.INVOICE,
        "organisation": organisation,
        "buyer_name": organisation.name,
        "buyer_street": organisation.street,
        "buyer_postcode": organisation.postcode,
        "buyer_city": organisation.city,
        "buyer_country": str(organisation.country),
        "buyer_vat_id": organisation.vat_id,
        "buyer_email": _owner_email(organisation),
        "vat_category": category,
        "vat_rate": rate,
        "mandate_reference": mandate.reference if mandate else "",
        **_seller(),
        **facts,
    }
    return _issue(fields, lines, now=now)


def credited_cents(invoice: Invoice) -> int:
    return sum(invoice.credit_notes.values_list("net_cents", flat=True))


def credit_note_issue(
    invoice: Invoice,
    *,
    reason: str,
    net_cents: int | None = None,
    actor=None,
    now: datetime | None = None,
) -> Invoice:
    """A credit note for `invoice`: in full (`net_cents` None: whatever is left to credit) or
    for a part of its net amount. Buyer and period are the invoice's."""
    if invoice.kind != Invoice.Kind.INVOICE:
        raise BillingError(ErrorCode.NOT_AN_INVOICE)
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(ErrorCode.REASON_REQUIRED)
    left = invoice.net_cents - credited_cents(invoice)
    if left <= 0:
        raise BillingError(ErrorCode.NOTHING_TO_CREDIT)
    full = net_cents is None or net_cents == left
    if not full and (
        isinstance(net_cents, bool) or not isinstance(net_cents, int) or not 0 < net_cents < left
    ):
        raise BillingError(ErrorCode.INVALID_AMOUNT)
    with translation.override(invoice.language):
        if full and left == invoice.net_cents:
            lines = [
                Line(line.description, line.quantity, line.unit_price_cents)
                for line in invoice.lines.all()
            ]
        else:
            amount = left if full else net_cents
            lines = [
                Line(
                    _("Correction of invoice %(number)s: %(reason)s")
                    % {"number": invoice.number, "reason": reason},
                    1,
                    amount,
                )
            ]
    fields = {
        name: getattr(invoice, name)
        for name in (
            "organisation",
            "period_start",
            "period_end",
            "language",
            "currency",
            "buyer_name",
            "buyer_street",
            "buyer_postcode",
            "buyer_city",
            "buyer_country",
            "buyer_vat_id",
            "buyer_email",
            "plan_name",
            "vat_category",
            "vat_rate",
            "mandate_reference",
        )
    }
    net = sum(line.net_cents for line in lines)
    if net == left:
        # The last credit note takes exactly the VAT still left, so the credits add up.
        credited_vat = sum(invoice.credit_notes.values_list("vat_cents", flat=True))
        fields["vat_cents"] = invoice.vat_cents - credited_vat
    fields |= {
        "kind": Invoice.Kind.CREDIT_NOTE,
        "corrects": invoice,
        "note": reason,
        "usage_consents": invoice.usage_consents,
        "usage_installations": invoice.usage_installations,
        **_seller(),
    }
    return _issue(fields, lines, now=now or timezone.now(), actor=actor)


def due_date(invoice: Invoice) -> date:
    return invoice.issued_on + timedelta(days=settings.CONSENTSERVE_INVOICE_DUE_DAYS)


def organisations_to_bill(month: date):
    """Organisations whose contract ran during `month`."""
    until = timezone.make_aware(datetime.combine(month_next(month), time.min))
    since = timezone.make_aware(datetime.combine(month, time.min))
    return (
        Organisation.objects.filter(created_at__lt=until, restricted=False)
        .exclude(contract_ended_at__lt=since)
        .order_by("pk")
    )
