"""Art. 16 GDPR for the company's own details: the owner corrects name, address and VAT ID in
the portal; the correction is audited (which fields, not their values) and applies to future
invoices only, since an issued invoice keeps the buyer's details it was issued with."""

from datetime import date

import pytest
import time_machine
from django.test import Client
from test_billing_factories import billed_customer, decisions
from test_portal_factories import make_customer

from consentserve.accounts.models import Organisation
from consentserve.audit.models import AuditEntry
from consentserve.billing.invoicing import invoice_issue

pytestmark = pytest.mark.django_db
CORRECTED = {
    "name": "Alpha Handels GmbH",
    "street": "Neue Straße 5",
    "postcode": "36208",
    "city": "Wildeck",
    "country": "DE",
    "vat_id": "DE 136 695 976",
}


def client_of(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def url(customer, language="en") -> str:
    return f"/{language}/portal/o/{customer.organisation.pk}/company/"


@pytest.mark.parametrize("language", ["en", "de"])
def test_owner_corrects_the_company_details_and_it_is_audited(language):
    a = make_customer("a", "Alpha GmbH")
    client = client_of(a.owner)
    assert client.get(url(a, language)).status_code == 200
    dashboard = client.get(f"/{language}/portal/o/{a.organisation.pk}/").content.decode()
    assert f'href="{url(a, language)}"' in dashboard
    response = client.post(url(a, language), CORRECTED, follow=True)
    assert response.redirect_chain[-1][0] == f"/{language}/portal/o/{a.organisation.pk}/"
    organisation = Organisation.objects.get(pk=a.organisation.pk)
    assert (organisation.name, organisation.street, organisation.vat_id) == (
        "Alpha Handels GmbH",
        "Neue Straße 5",
        "DE136695976",
    )
    entry = AuditEntry.objects.get(action="organisation.details_corrected")
    assert entry.actor == f"user:{a.owner.user.pk}"
    assert entry.detail == {"fields": ["name", "street", "postcode", "city", "vat_id"]}
    assert "Alpha Handels" not in str(entry.detail)  # the values stay out of the log


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_only_the_owner_may_correct_them(role):
    a = make_customer("a", "Alpha GmbH")
    member = getattr(a, role)
    client = client_of(member)
    assert client.get(url(a)).status_code == 403
    assert client.post(url(a), CORRECTED).status_code == 403
    assert Organisation.objects.get(pk=a.organisation.pk).name == "Alpha GmbH"
    dashboard = client.get(f"/en/portal/o/{a.organisation.pk}/").content.decode()
    assert url(a) not in dashboard
    assert "The owner of the organisation can correct these details." in dashboard


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"vat_id": "DE123"}, "This is not a valid VAT ID"),
        ({"name": ""}, "This field is required."),
        ({"country": "XX"}, "Select a valid choice."),
    ],
)
def test_bad_details_are_refused_and_nothing_changes(changes, message):
    a = make_customer("a", "Alpha GmbH")
    response = client_of(a.owner).post(url(a), CORRECTED | changes)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Organisation.objects.get(pk=a.organisation.pk).name == "Alpha GmbH"
    assert not AuditEntry.objects.filter(action="organisation.details_corrected").exists()


def test_issued_invoices_keep_their_details_the_next_one_has_the_new():
    customer = billed_customer()
    decisions(customer, date(2026, 11, 3), 100)
    with time_machine.travel("2026-12-01 06:00 +01:00", tick=False):
        before = invoice_issue(customer.organisation, date(2026, 11, 1))
    client_of(customer.owner).post(url(customer), CORRECTED)
    before.refresh_from_db()
    assert (before.buyer_name, before.buyer_street) == ("Alpha GmbH", "Hauptstraße 1")
    organisation = Organisation.objects.get(pk=customer.organisation.pk)
    with time_machine.travel("2027-01-01 06:00 +01:00", tick=False):
        after = invoice_issue(organisation, date(2026, 12, 1))
    assert (after.buyer_name, after.buyer_street, after.buyer_vat_id) == (
        "Alpha Handels GmbH",
        "Neue Straße 5",
        "DE136695976",
    )
