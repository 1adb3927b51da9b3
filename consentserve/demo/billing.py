"""Billing for the demo customer: the Business plan since the month before last and the
invoice of last month, so the portal's plan and invoice pages show something."""

from django.utils import timezone

from consentserve.billing.invoicing import invoice_issue
from consentserve.billing.models import Invoice, Plan, PlanChange, Subscription
from consentserve.billing.plans import plans_seed
from consentserve.core.months import month_previous


def demo_billing_create(organisation) -> Invoice | None:
    """Idempotent: returns the demo invoice, issuing it on the first run."""
    existing = Invoice.objects.filter(organisation=organisation).order_by("pk").first()
    if existing is not None:
        return existing
    last_month = month_previous(timezone.localdate())
    started_on = month_previous(last_month)
    subscription, created = Subscription.objects.get_or_create(
        organisation=organisation, defaults={"started_on": started_on, "language": "de"}
    )
    if created:
        plans_seed()  # a no-op unless the price list was emptied
        plan = Plan.objects.get(slug="business")
        PlanChange.objects.create(subscription=subscription, plan=plan, effective_from=started_on)
    return invoice_issue(organisation, last_month)
