"""Invoices in the back office (issue 8): read-only, audited, with a credit-note action; and the
demo data's plan and invoice."""

import pytest
import time_machine
from django.core.management import call_command
from test_billing_factories import ISSUE_TIME, NOVEMBER, billed_customer

from consentserve.accounts.models import Membership
from consentserve.audit.models import AuditEntry
from consentserve.billing.invoicing import invoice_issue
from consentserve.billing.models import Invoice
from consentserve.billing.subscriptions import plan_state, subscription_for
from consentserve.demo.customer import DEMO_OWNER

pytestmark = pytest.mark.django_db

CHANGELIST = "/backoffice/billing/invoice/"


@pytest.fixture
def invoice():
    customer = billed_customer()
    with time_machine.travel(ISSUE_TIME, tick=False):
        return invoice_issue(customer.organisation, NOVEMBER)


def test_invoices_are_read_only_and_viewing_one_is_audited(admin_client, invoice):
    assert admin_client.get(CHANGELIST).status_code == 200
    response = admin_client.get(f"{CHANGELIST}{invoice.pk}/change/")
    assert response.status_code == 200
    assert invoice.number in response.content.decode()
    assert b'name="buyer_name"' not in response.content  # no form field to edit
    response = admin_client.post(f"{CHANGELIST}{invoice.pk}/change/", {"buyer_name": "X"})
    assert response.status_code == 403
    assert admin_client.post(f"{CHANGELIST}{invoice.pk}/delete/").status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).buyer_name == "Alpha GmbH"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"admin.list", "admin.view", "billing.issue"} <= actions


def test_the_credit_note_action_reverses_the_selected_invoices(admin_client, invoice):
    response = admin_client.post(
        CHANGELIST,
        {"action": "credit_in_full", "_selected_action": [invoice.pk]},
        follow=True,
    )
    assert response.status_code == 200
    credit = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert (credit.corrects_id, credit.gross_cents) == (invoice.pk, invoice.gross_cents)
    # Twice is refused with the reason, not with an error page.
    response = admin_client.post(
        CHANGELIST,
        {"action": "credit_in_full", "_selected_action": [invoice.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "bereits vollständig gutgeschrieben" in response.content.decode()
    assert Invoice.objects.count() == 2


def test_the_demo_customer_has_a_plan_and_an_invoice():
    call_command("demo_data")
    call_command("demo_data")
    organisation = Membership.objects.get(
        user__email=DEMO_OWNER["email"], role=Membership.Role.OWNER
    ).organisation
    assert plan_state(subscription_for(organisation)).current.slug == "business"
    invoice = Invoice.objects.get(organisation=organisation)
    assert invoice.usage_consents > 0
