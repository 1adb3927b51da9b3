"""Builders of billing test data, shared by the billing tests (this module holds no tests)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from test_portal_factories import make_customer

from consentserve.billing.models import Plan, PlanChange
from consentserve.billing.plans import plans_seed
from consentserve.billing.subscriptions import subscription_for
from consentserve.collector.models import ConsentDailyStat
from consentserve.installations.models import Installation, PublishedVersion

BERLIN = ZoneInfo("Europe/Berlin")
NOVEMBER = date(2026, 11, 1)
ISSUE_TIME = datetime(2026, 12, 1, 4, 15, tzinfo=BERLIN)
# The billing tests build their customers during the month they bill, as production does.
DURING_NOVEMBER = datetime(2026, 11, 20, 12, 0, tzinfo=BERLIN)


def plans_seeded() -> None:
    """The plans of the data migration; a transactional test's flush has removed them."""
    plans_seed()


def billed_customer(key="a", company="Alpha GmbH", *, plan="starter", started=date(2026, 1, 1)):
    """A customer on `plan` since `started`, with one installation and a published version."""
    plans_seeded()
    customer = make_customer(key, company)
    organisation = customer.organisation
    organisation.created_at = datetime.combine(started, datetime.min.time(), tzinfo=BERLIN)
    organisation.save()
    subscription = subscription_for(organisation)
    PlanChange.objects.filter(subscription=subscription).update(plan=Plan.objects.get(slug=plan))
    customer.subscription = subscription
    customer.installation = Installation.objects.create(organisation=organisation, name="Shop")
    customer.version = PublishedVersion.objects.create(
        installation=customer.installation, number=1, sha256="0" * 64, config={}
    )
    return customer


def decisions(customer, day: date, count: int, *, installation=None) -> None:
    """`count` decisions on `day` in the roll-ups, as the collector's writer counts them."""
    installation = installation or customer.installation
    ConsentDailyStat.objects.create(
        installation=installation,
        day=day,
        version=customer.version,
        language="de",
        device="desktop",
        decisions=count,
        accept_all=count,
    )
