"""An invited colleague joins the inviting organisation without becoming a customer: the
sign-up reached from an invitation asks only for name, e-mail address and password (no company,
no IBAN, no SEPA mandate, no organisation of their own), and `next` survives the confirmation of
the address, so the newcomer lands on the invitation, not in an empty portal."""

import re
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import Client
from test_portal_factories import make_customer, make_invitation

from consentserve.accounts.models import Membership, Organisation, User
from consentserve.billing.models import SepaMandate

pytestmark = pytest.mark.django_db
PASSWORD = "eine-lange-passphrase-fuer-tests"
NEWCOMER = {"first_name": "Nina", "last_name": "Neu", "email": "invited@a.example"}


def invitation_path(customer, language="en") -> str:
    return f"/{language}/portal/invitations/{customer.token}/"


def signup_form(client, next_path, language="en"):
    return client.get(f"/{language}/account/signup/?" + urlencode({"next": next_path}))


def test_the_invitation_leads_through_sign_in_to_a_short_sign_up():
    a = make_customer("a", "Alpha GmbH")
    client = Client()
    login = client.get(invitation_path(a))
    assert login.status_code == 302
    assert login["Location"].endswith("?next=" + invitation_path(a))
    page = client.get(login["Location"]).content.decode()
    signup_link = re.search(r'href="(/en/account/signup/[^"]*)"', page)[1]
    assert "next=" in signup_link
    text = client.get(signup_link.replace("&amp;", "&")).content.decode()
    assert "Join Alpha GmbH" in text
    for absent in ('name="company"', 'name="iban"', 'name="mandate_authorised"', 'name="vat_id"'):
        assert absent not in text
    assert 'value="invited@a.example"' in text


def test_without_an_open_invitation_the_full_registration_is_asked():
    a = make_customer("a", "Alpha GmbH")
    for next_path in (
        "/en/portal/",
        "/en/portal/invitations/no-such-token/",
        "https://evil.example/",
    ):
        text = signup_form(Client(), next_path).content.decode()
        assert 'name="iban"' in text, next_path
        assert 'name="company"' in text, next_path
    a.invitation.expires_at = a.invitation.created_at
    a.invitation.save()
    assert 'name="iban"' in signup_form(Client(), invitation_path(a)).content.decode()


@pytest.mark.parametrize("language", ["en", "de"])
def test_invitee_signs_up_confirms_and_joins_the_inviting_organisation(language):
    a = make_customer("a", "Alpha GmbH")
    organisations, mandates = Organisation.objects.count(), SepaMandate.objects.count()
    client = Client()
    next_path = invitation_path(a, language)
    response = client.post(
        f"/{language}/account/signup/",
        NEWCOMER | {"password1": PASSWORD, "password2": PASSWORD, "next": next_path},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="invited@a.example")
    assert not user.memberships.exists()
    # No organisation, no subscription, no payment details of their own.
    assert Organisation.objects.count() == organisations
    assert SepaMandate.objects.count() == mandates

    [message] = mail.outbox
    link = re.search(r"http://testserver(/\w\w/account/confirm-email/\S+/)", message.body)[1]
    confirmed = client.post(link)
    assert confirmed["Location"] == f"/{language}/account/login/?" + urlencode({"next": next_path})

    signed_in = client.post(
        confirmed["Location"],
        {"login": NEWCOMER["email"], "password": PASSWORD, "next": next_path},
    )
    assert signed_in["Location"] == next_path
    assert "Alpha GmbH" in client.get(next_path).content.decode()
    joined = client.post(next_path)
    assert joined["Location"] == f"/{language}/portal/o/{a.organisation.pk}/"
    [membership] = Membership.objects.filter(user=user)
    assert (membership.organisation, membership.role) == (a.organisation, "viewer")


def test_a_member_of_two_organisations_switches_between_them():
    a = make_customer("a", "Alpha GmbH")
    b = make_customer("b", "Beta AG")
    make_invitation(b.organisation, a.viewer.user.email, token="token-for-alpha-viewer-xxxxx")
    client = Client()
    client.force_login(a.viewer.user)
    client.post("/en/portal/invitations/token-for-alpha-viewer-xxxxx/")
    page = client.get(f"/en/portal/o/{a.organisation.pk}/").content.decode()
    assert f'href="/en/portal/o/{b.organisation.pk}/"' in page
    assert "Beta AG" in client.get(f"/en/portal/o/{b.organisation.pk}/").content.decode()
