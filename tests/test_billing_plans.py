"""Plans, subscriptions and usage (issue 8, part 1): the seeded plans, one subscription per
organisation, plan changes from the next month on, usage metered from the roll-ups, and the
portal's plan and invoice pages."""

from datetime import date

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from test_billing_factories import DURING_NOVEMBER, ISSUE_TIME, NOVEMBER, billed_customer, decisions

from consentserve.billing.errors import BillingError, ErrorCode
from consentserve.billing.invoicing import invoice_issue
from consentserve.billing.models import Plan, PlanChange, Subscription
from consentserve.billing.subscriptions import (
    plan_change,
    plan_for_month,
    plan_state,
    subscription_for,
)
from consentserve.billing.usage import usage_for_month
from consentserve.installations.models import Installation

pytestmark = [pytest.mark.django_db, pytest.mark.travel(DURING_NOVEMBER)]

IN_NOVEMBER = DURING_NOVEMBER.date()


def test_the_plans_of_the_pricing_page_are_seeded():
    plans = list(Plan.objects.values_list("slug", "monthly_price_cents", "included_installations"))
    assert plans == [("starter", 1900, 1), ("business", 4900, 5), ("agency", 14900, 50)]


def test_an_organisation_gets_one_subscription_on_the_first_plan():
    customer = billed_customer()
    assert subscription_for(customer.organisation) == customer.subscription
    assert Subscription.objects.count() == 1
    state = plan_state(customer.subscription, today=IN_NOVEMBER)
    assert (state.current.slug, state.pending) == ("starter", None)


def test_usage_is_the_sum_of_the_rollups_of_all_installations_in_the_month():
    customer = billed_customer()
    second = Installation.objects.create(organisation=customer.organisation, name="Blog")
    decisions(customer, date(2026, 11, 1), 100)
    decisions(customer, date(2026, 11, 30), 20, installation=second)
    decisions(customer, date(2026, 12, 1), 5)
    other = billed_customer("b", "Beta AG")
    decisions(other, date(2026, 11, 2), 7)
    usage = usage_for_month(customer.organisation, NOVEMBER)
    assert (usage.consents, usage.installations) == (120, 2)
    assert usage_for_month(other.organisation, NOVEMBER).consents == 7


def test_a_plan_change_takes_effect_from_the_next_month():
    customer = billed_customer()
    plan_change(
        organisation=customer.organisation,
        plan_slug="business",
        actor=customer.admin.user,
        today=IN_NOVEMBER,
    )
    state = plan_state(customer.subscription, today=IN_NOVEMBER)
    assert (state.current.slug, state.pending.slug) == ("starter", "business")
    assert state.pending_from == date(2026, 12, 1)
    assert plan_for_month(customer.subscription, NOVEMBER).slug == "starter"
    assert plan_for_month(customer.subscription, date(2026, 12, 1)).slug == "business"
    # November is billed on Starter, December on Business.
    assert issue_net(customer, NOVEMBER) == 1900
    assert issue_net(customer, date(2026, 12, 1)) == 4900


def issue_net(customer, month):
    at = ISSUE_TIME if month == NOVEMBER else ISSUE_TIME.replace(year=2027, month=1)
    with time_machine.travel(at, tick=False):
        return invoice_issue(customer.organisation, month).net_cents


def test_choosing_the_current_plan_again_withdraws_a_pending_change():
    customer = billed_customer()
    for slug in ("agency", "business", "starter"):
        plan_change(
            organisation=customer.organisation,
            plan_slug=slug,
            actor=customer.owner.user,
            today=IN_NOVEMBER,
        )
    assert plan_state(customer.subscription, today=IN_NOVEMBER).pending is None
    assert PlanChange.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "slug", "code"),
    [
        ("viewer", "business", ErrorCode.NOT_ALLOWED),
        ("admin", "platinum", ErrorCode.UNKNOWN_PLAN),
        ("admin", "", ErrorCode.UNKNOWN_PLAN),
        ("owner", None, ErrorCode.UNKNOWN_PLAN),
    ],
)
def test_bad_plan_changes_are_refused_with_a_clear_error(role, slug, code):
    customer = billed_customer(plan="business")
    with pytest.raises(BillingError) as error:
        plan_change(
            organisation=customer.organisation,
            plan_slug=slug,
            actor=getattr(customer, role).user,
            today=IN_NOVEMBER,
        )
    assert error.value.code is code
    assert PlanChange.objects.count() == 1


def test_a_downgrade_below_the_installations_in_use_is_refused():
    customer = billed_customer(plan="business")
    Installation.objects.create(organisation=customer.organisation, name="Blog")
    with pytest.raises(BillingError) as error:
        plan_change(
            organisation=customer.organisation, plan_slug="starter", actor=customer.owner.user
        )
    assert error.value.code is ErrorCode.TOO_MANY_INSTALLATIONS


# --- portal -----------------------------------------------------------------------------------


def _client(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_the_plan_page_shows_plan_and_usage_to_every_member():
    customer = billed_customer()
    decisions(customer, timezone.localdate().replace(day=1), 4321)
    response = _client(customer.viewer).get(f"/en/portal/o/{customer.organisation.pk}/plan/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Starter" in content
    assert "4,321 of 10,000 included" in content
    assert "Switch to Business" not in content  # viewers read only


def test_an_admin_changes_the_plan_in_the_portal():
    customer = billed_customer()
    url = f"/en/portal/o/{customer.organisation.pk}/plan/"
    response = _client(customer.admin).post(url, {"plan": "business"})
    assert response.status_code == 302
    page = _client(customer.admin).get(url).content.decode()
    assert "Business" in page
    assert "chosen" in page


@pytest.mark.parametrize(
    ("role", "plan", "status", "message"),
    [
        ("viewer", "business", 403, "Only the owner or an admin"),
        ("owner", "platinum", 400, "There is no such plan"),
        ("admin", "", 400, "There is no such plan"),
    ],
)
def test_bad_plan_changes_in_the_portal_answer_4xx_with_a_message(role, plan, status, message):
    customer = billed_customer()
    url = f"/en/portal/o/{customer.organisation.pk}/plan/"
    response = _client(getattr(customer, role)).post(url, {"plan": plan})
    assert response.status_code == status
    assert message in response.content.decode()
    assert PlanChange.objects.count() == 1


def test_invoices_are_listed_and_downloadable_in_the_portal():
    customer = billed_customer()
    with time_machine.travel(ISSUE_TIME, tick=False):
        invoice = invoice_issue(customer.organisation, NOVEMBER)
    client = _client(customer.viewer)
    base = f"/en/portal/o/{customer.organisation.pk}/invoices/"
    page = client.get(base).content.decode()
    assert invoice.number in page
    assert "€22.61" in page
    response = client.get(f"{base}{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
    assert client.get(f"{base}{invoice.pk + 999}/pdf/").status_code == 404
