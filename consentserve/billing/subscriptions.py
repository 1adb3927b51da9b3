"""Subscriptions and plan changes.

Every organisation has one subscription; one without is given the first available plan, from
the day it registered. A plan change, up or down, takes effect on the first day of the next
month: the current month is billed on the plan it began with, so no month is split between
two plans and no invoice is computed pro rata except the first and the last month of a
contract (docs in billing/README.md).
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from consentserve.accounts.models import Membership, Organisation
from consentserve.core.months import month_end, month_next, month_start

from .errors import BillingError, ErrorCode
from .models import Plan, PlanChange, Subscription

logger = logging.getLogger(__name__)

# Who may change the plan; viewers only read it.
PLAN_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)
# Invoices go out in German to customers in German-speaking countries, in English otherwise;
# the back office can change it per subscription.
GERMAN_SPEAKING = {"DE", "AT", "CH", "LI"}


def plans_available():
    return Plan.objects.filter(active=True).order_by("position", "pk")


def subscription_for(organisation: Organisation) -> Subscription:
    """The organisation's subscription, made on the first available plan if it has none."""
    subscription = Subscription.objects.filter(organisation=organisation).first()
    if subscription is not None:
        return subscription
    started_on = timezone.localdate(organisation.created_at)
    language = "de" if str(organisation.country) in GERMAN_SPEAKING else "en"
    with transaction.atomic():
        subscription, created = Subscription.objects.get_or_create(
            organisation=organisation, defaults={"started_on": started_on, "language": language}
        )
        if created:
            PlanChange.objects.create(
                subscription=subscription, plan=plans_available().first(), effective_from=started_on
            )
    return subscription


def plan_on(subscription: Subscription, day: date) -> Plan | None:
    """The plan in effect on `day` (None before the subscription started)."""
    change = (
        subscription.plan_changes.filter(effective_from__lte=day)
        .select_related("plan")
        .order_by("-effective_from")
        .first()
    )
    return change.plan if change else None


def plan_for_month(subscription: Subscription, month: date) -> Plan | None:
    """The plan a month is billed on: the one in effect at its end (a subscription that starts
    during the month has its first plan from its start; changes begin on the first)."""
    return plan_on(subscription, month_end(month))


@dataclass(frozen=True)
class PlanState:
    current: Plan | None
    pending: Plan | None  # from `pending_from` on
    pending_from: date | None


def plan_state(subscription: Subscription, *, today: date | None = None) -> PlanState:
    today = today or timezone.localdate()
    pending = (
        subscription.plan_changes.filter(effective_from__gt=today)
        .select_related("plan")
        .order_by("effective_from")
        .first()
    )
    return PlanState(
        current=plan_on(subscription, today),
        pending=pending.plan if pending else None,
        pending_from=pending.effective_from if pending else None,
    )


def plan_change(
    *, organisation: Organisation, plan_slug: str, actor, today: date | None = None
) -> PlanState:
    """Change to the plan `plan_slug` from the first of next month, by an owner or admin.
    Choosing the current plan again withdraws a pending change."""
    if not Membership.objects.filter(
        organisation=organisation, user=actor, role__in=PLAN_ROLES
    ).exists():
        raise BillingError(ErrorCode.NOT_ALLOWED)
    plan = plans_available().filter(slug=str(plan_slug or "")).first()
    if plan is None:
        raise BillingError(ErrorCode.UNKNOWN_PLAN)
    if organisation.restricted:
        raise BillingError(ErrorCode.RESTRICTED)
    if organisation.installations.count() > plan.included_installations:
        raise BillingError(ErrorCode.TOO_MANY_INSTALLATIONS)
    today = today or timezone.localdate()
    subscription = subscription_for(organisation)
    effective_from = max(month_next(month_start(today)), subscription.started_on)
    with transaction.atomic():
        Subscription.objects.select_for_update().filter(pk=subscription.pk).first()
        subscription.plan_changes.filter(effective_from__gt=today).delete()
        if plan_on(subscription, today) != plan:
            PlanChange.objects.create(
                subscription=subscription, plan=plan, effective_from=effective_from
            )
    logger.info("plan of organisation %s changed by user %s", organisation.pk, actor.pk)
    return plan_state(subscription, today=today)
