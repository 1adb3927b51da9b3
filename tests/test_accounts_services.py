"""`customer_register`: the one write behind registration checks everything itself, whoever
calls it, and stores all or nothing (R-B3-1, R-B3-8)."""

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.utils import translation
from test_accounts_registration import IBAN, PASSWORD, stored_nothing

from consentserve.accounts.models import Membership, OptionalConsent, Organisation, User
from consentserve.accounts.services import customer_register
from consentserve.billing.models import SepaMandate

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-1", "R-B3-8")]

DATA = {
    "first_name": "Erika",
    "last_name": "Mustermann",
    "email": "Erika@Beispiel.example",
    "password": PASSWORD,
    "company": "Beispiel Handels GmbH",
    "street": "Hauptstraße 1",
    "postcode": "36208",
    "city": "Wildeck",
    "country": "DE",
    "vat_id": "",
    "account_holder": "Beispiel Handels GmbH",
    "iban": IBAN,
    "bic": "",
    "newsletter": False,
}


def test_registers_the_owner_of_a_new_organisation_r_b3_1():
    user = customer_register(**DATA)
    assert user.email == "erika@beispiel.example"  # compared and kept in lower case
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.OWNER
    assert membership.organisation.sepa_mandate.iban == IBAN
    assert EmailAddress.objects.get(user=user).verified is False
    assert OptionalConsent.objects.count() == 0


def test_newsletter_consent_only_when_given_r_b3_8():
    user = customer_register(**{**DATA, "newsletter": True})
    [consent] = user.optional_consents.all()
    assert consent.purpose == OptionalConsent.Purpose.NEWSLETTER


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"iban": "DE89370400440532013001"}, "iban"),
        ({"bic": "NOPE"}, "bic"),
        ({"vat_id": "DE123456789"}, "vat_id"),
        ({"country": "ZZ"}, "country"),
        ({"company": " "}, "name"),
        ({"account_holder": ""}, "account_holder"),
        ({"email": "not-an-address"}, "email"),
    ],
)
def test_invalid_data_stores_nothing_r_b3_1(changes, field):
    """The IBAN is checked after the user and the organisation were written: the transaction
    takes them back."""
    with pytest.raises(ValidationError) as error:
        customer_register(**{**DATA, **changes})
    assert field in error.value.message_dict
    assert stored_nothing()


def test_weak_password_is_refused_r_b3_1():
    with pytest.raises(ValidationError) as error:
        customer_register(**{**DATA, "password": "password"})
    assert "password" in error.value.message_dict
    assert stored_nothing()


def test_an_address_registers_once_r_b3_1():
    customer_register(**DATA)
    # In German whatever language an earlier test's request left active.
    with translation.override("de"):
        with pytest.raises(ValidationError) as error:
            customer_register(
                **{**DATA, "email": "ERIKA@beispiel.example", "company": "Zweite GmbH"}
            )
        assert error.value.message_dict == {
            "email": ["Für diese E-Mail-Adresse gibt es bereits ein Konto."]
        }
    assert (User.objects.count(), Organisation.objects.count(), SepaMandate.objects.count()) == (
        1,
        1,
        1,
    )


def test_takes_keyword_arguments_only():
    with pytest.raises(TypeError):
        customer_register(*DATA.values())  # type: ignore[misc]
    assert stored_nothing()
