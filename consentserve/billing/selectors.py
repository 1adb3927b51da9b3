"""Reads of the billing app."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from consentserve.accounts.models import Organisation
from consentserve.core.months import month_start

from .models import Invoice, Plan, SepaMandate
from .subscriptions import plan_state, plans_available, subscription_for
from .usage import Usage, usage_for_month


@dataclass(frozen=True)
class MandateDisplay:
    """What a payment-details page shows: the IBAN masked, the rest as granted."""

    account_holder: str
    iban_masked: str
    bic: str
    reference: str
    signed_on: date
    restricted: bool  # Art. 18: shown, but not editable (R-F-18)


def mandate_for_display(organisation: Organisation) -> MandateDisplay | None:
    """The organisation's current mandate, or None when it has none."""
    mandate = SepaMandate.objects.filter(organisation=organisation).first()
    if mandate is None:
        return None
    return MandateDisplay(
        account_holder=mandate.account_holder,
        iban_masked=mandate.iban_masked,
        bic=mandate.bic,
        reference=mandate.reference,
        signed_on=mandate.signed_on,
        restricted=mandate.restricted,
    )


@dataclass(frozen=True)
class PlanOverview:
    """What the portal's plan page shows."""

    current: Plan | None
    pending: Plan | None
    pending_from: date | None
    plans: list[Plan]
    usage: Usage  # of the current month so far
    month: date
    language: str


def plan_overview(organisation: Organisation, *, today: date | None = None) -> PlanOverview:
    today = today or timezone.localdate()
    subscription = subscription_for(organisation)
    state = plan_state(subscription, today=today)
    month = month_start(today)
    return PlanOverview(
        current=state.current,
        pending=state.pending,
        pending_from=state.pending_from,
        plans=list(plans_available()),
        usage=usage_for_month(organisation, month),
        month=month,
        language=subscription.language,
    )


def invoices_of(organisation: Organisation):
    """The organisation's invoices and credit notes, newest first, without their PDFs."""
    return (
        Invoice.objects.filter(organisation=organisation)
        .defer("pdf")
        .select_related("corrects")
        .order_by("-issued_at", "-pk")
    )
