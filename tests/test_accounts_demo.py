"""The demo customer: an owner who can sign in at once, a SEPA mandate and two team members
(issue: registration; the demo command prints the logins)."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user
from test_accounts_login import sign_in

from consentserve.accounts.models import Membership, Organisation, User
from consentserve.billing.models import SepaMandate
from consentserve.demo.customer import DEMO_PASSWORD, demo_customer_create

pytestmark = pytest.mark.django_db


def test_demo_customer_with_team_r_b3_1():
    text = demo_customer_create()
    organisation = Organisation.objects.get()
    assert organisation.name == "Beispiel Handels GmbH"
    roles = {m.user.email: m.role for m in Membership.objects.filter(organisation=organisation)}
    assert roles == {
        "demo@example.com": "owner",
        "max.mustermann@example.com": "admin",
        "lena.schmidt@example.com": "viewer",
    }
    assert SepaMandate.objects.get(organisation=organisation).iban == "DE89370400440532013000"
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 3
    for email in roles:
        assert email in text
    assert DEMO_PASSWORD in text
    assert "/de/account/login/" in text


def test_demo_is_idempotent():
    first = demo_customer_create()
    counts = (User.objects.count(), Organisation.objects.count(), SepaMandate.objects.count())
    assert demo_customer_create() == first
    assert (User.objects.count(), Organisation.objects.count(), SepaMandate.objects.count()) == (
        counts
    )


@pytest.mark.parametrize(
    "email", ["demo@example.com", "max.mustermann@example.com", "lena.schmidt@example.com"]
)
def test_demo_logins_work(client, email):
    demo_customer_create()
    assert sign_in(client, email=email, password=DEMO_PASSWORD)["Location"] == "/en/portal/"
    assert get_user(client).email == email
