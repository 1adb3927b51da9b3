"""Registration as a customer (policy B.3): one page that asks for exactly the data the policy
names (R-B3-1), an unticked newsletter consent that is stored only when given (R-B3-8), and
clear errors that store nothing for bad input."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from consentserve.accounts.models import Membership, OptionalConsent, Organisation, User
from consentserve.billing.models import SepaMandate
from consentserve.privacy.register import get_register

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-1", "R-B3-8")]

CSRF_FAILURE_VIEW = "consentserve.website.views.csrf_failure"
PASSWORD = "lange-sichere-passphrase"
IBAN = "DE89370400440532013000"
VALID = {
    "first_name": "Erika",
    "last_name": "Mustermann",
    "email": "erika@beispiel.example",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "company": "Beispiel Handels GmbH",
    "street": "Hauptstraße 1",
    "postcode": "36208",
    "city": "Wildeck",
    "country": "DE",
    "vat_id": "DE 136 695 976",
    "account_holder": "Beispiel Handels GmbH",
    "iban": "DE89 3704 0044 0532 0130 00",
    "bic": "",
    "mandate_authorised": "on",
}
SIGNUP = {"de": "/de/account/signup/", "en": "/en/account/signup/"}
STORED_MODELS = [User, EmailAddress, Organisation, Membership, SepaMandate, OptionalConsent]


def register(client, language="en", **changes):
    data = {**VALID, **changes}
    return client.post(SIGNUP[language], {k: v for k, v in data.items() if v is not None})


def stored_nothing() -> bool:
    return all(model.objects.count() == 0 for model in STORED_MODELS)


def _field_widget(html: str, name: str) -> str:
    return re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html).group(0)


# --- the happy path --------------------------------------------------------------------------


def test_registration_creates_customer_owner_and_mandate_r_b3_1(client):
    response = register(client)
    assert response.status_code == 302
    assert response["Location"] == "/en/account/confirm-email/"

    user = User.objects.get()
    assert (user.first_name, user.last_name, user.email) == ("Erika", "Mustermann", VALID["email"])
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    address = EmailAddress.objects.get()
    assert (address.user, address.email, address.primary, address.verified) == (
        user,
        VALID["email"],
        True,
        False,
    )
    organisation = Organisation.objects.get()
    assert (
        organisation.name,
        organisation.street,
        organisation.postcode,
        organisation.city,
        organisation.country.code,
        organisation.vat_id,
    ) == ("Beispiel Handels GmbH", "Hauptstraße 1", "36208", "Wildeck", "DE", "DE136695976")
    membership = Membership.objects.get()
    assert (membership.user, membership.organisation, membership.role) == (
        user,
        organisation,
        "owner",
    )
    mandate = SepaMandate.objects.get()
    assert mandate.organisation == organisation
    assert (mandate.account_holder, mandate.iban) == ("Beispiel Handels GmbH", IBAN)
    assert mandate.bic == "COBADEFFXXX"  # derived from the IBAN: schwifty knows the bank
    assert re.fullmatch(r"CS-[A-Z2-9]{16}", mandate.reference)
    assert mandate.signed_on == timezone.localdate()
    assert OptionalConsent.objects.count() == 0


def test_registration_stores_only_what_the_policy_names_r_b3_1(client):
    """Every row the registration writes belongs to a store of the customer-registration
    activity, and every filled-in personal field there is one of its data categories: the
    contact name, the e-mail address, the password hash, company details and the payment
    information. Nothing else."""
    register_ = get_register()
    activity = register_.activity("customer-registration")
    stores = {store.model.lower(): store for store in activity.stores}
    personal_models = {
        model._meta.label_lower: model
        for model in apps.get_models()
        if register_.store_for(model._meta.label) is not None
    }
    before = {label: model.objects.count() for label, model in personal_models.items()}

    register(client)

    grown = {label for label, model in personal_models.items() if model.objects.count() > 0}
    grown -= {label for label, count in before.items() if count}
    # The pending sign-in lives in the session until the address is confirmed (cookies, C.1).
    assert grown - {"sessions.session"} == {
        "accounts.user",
        "account.emailaddress",
        "accounts.organisation",
        "accounts.membership",
        "billing.sepamandate",
    }
    categories = set()
    for label in grown - {"sessions.session"}:
        store = stores[label]
        for row in personal_models[label].objects.all():
            for field in row._meta.concrete_fields:
                value = getattr(row, field.attname)
                if field.primary_key or value in (None, "", False):
                    continue
                assert field.name in store.fields, f"{label}.{field.name} is not in the register"
                categories.add(store.fields[field.name])
    assert categories - {"none"} == {
        "user.id",
        "user.role",
        "user.name",
        "user.contact.email",
        "user.credentials",
        "user.company.name",
        "user.company.address",
        "user.company.vat_id",
        "user.financial.account_holder",
        "user.financial.iban",
        "user.financial.bic",
        "user.financial.mandate_reference",
    }


def test_verification_mail_is_sent_in_the_registrants_language_r_b3_1(client):
    register(client, language="de")
    [message] = mail.outbox
    assert message.to == [VALID["email"]]
    assert message.subject == "CONSENTserve: Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert message.body.startswith("Guten Tag,")
    assert "/de/account/confirm-email/" in message.body
    assert "Ihr CONSENTserve-Team" in message.body

    mail.outbox.clear()
    register(Client(), email="jane@example.org")
    [message] = mail.outbox
    assert message.subject == "CONSENTserve: Please confirm your e-mail address"
    assert "/en/account/confirm-email/" in message.body


def test_iban_and_account_holder_are_encrypted_at_rest_r_g_3_r_b3_1(client):
    register(client)
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_holder, iban, bic FROM billing_sepamandate")
        raw = " ".join(cursor.fetchone())
    for plain in ("Beispiel", IBAN, "DE89", "0532013000", "COBADEFF"):
        assert plain not in raw
    assert SepaMandate.objects.get().iban == IBAN


# --- optional extras: separate consent (R-B3-8) ---------------------------------------------


def test_newsletter_is_offered_unticked_r_b3_8(client):
    html = client.get(SIGNUP["en"]).content.decode()
    checkbox = _field_widget(html, "newsletter")
    assert 'type="checkbox"' in checkbox
    assert "checked" not in checkbox
    assert "withdraw this consent at any time" in html


def test_no_consent_is_stored_unless_the_box_is_ticked_r_b3_8(client):
    register(client)
    assert OptionalConsent.objects.count() == 0

    register(Client(), email="jane@example.org", newsletter="on")
    consent = OptionalConsent.objects.get()
    assert consent.user.email == "jane@example.org"
    assert (consent.purpose, consent.withdrawn_at) == ("newsletter", None)


# --- bad input: a clear message, tied to its field, and nothing stored ----------------------


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("iban", "DE89 3704 0044 0532 0130 01", "This is not a valid IBAN."),
        ("iban", "", "Please enter the IBAN of the account."),
        ("bic", "COBA1", "This is not a valid BIC. It has 8 or 11 letters and digits"),
        ("vat_id", "DE 123", "This is not a valid VAT ID. Please enter the country code"),
        ("password1", "1234567890", "This password is too common."),
        ("password1", "kurz", "This password is too short."),
        ("password2", "something-else-entirely", "You must type the same password each time."),
        ("mandate_authorised", None, "Please grant the SEPA direct-debit mandate"),
        ("first_name", "", "Please enter your first name."),
        ("company", "", "Please enter the name of your company."),
        ("email", "erika@", "Enter a valid email address."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_stores_nothing_r_b3_1(
    client, field, value, error
):
    response = register(client, **{field: value})
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert "Please check your details" in html  # the summary at the top links to the field
    assert f'href="#id_{field}"' in html
    widget = _field_widget(html, field)
    assert 'aria-invalid="true"' in widget
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error"', widget)
    assert html.count("<h1") == 1
    assert stored_nothing()
    assert mail.outbox == []


def test_errors_are_in_the_registrants_language_r_b3_1(client):
    response = register(client, language="de", iban="DE00 1234", vat_id="XX1", password2="x")
    html = response.content.decode()
    assert "Das ist keine gültige IBAN." in html
    assert "Das ist keine gültige USt-IdNr." in html
    assert "Bitte geben Sie zweimal dasselbe Passwort ein." in html
    assert "<title>Fehler:" in html
    assert stored_nothing()


def test_non_sepa_account_is_refused_r_b3_1(client):
    response = register(client, iban="US64SVBKUS6S3300958879")
    assert "This is not a valid IBAN." in response.content.decode()
    assert stored_nothing()


def test_duplicate_email_creates_nothing_and_tells_only_the_address_owner_r_b3_1(client):
    """Whether an address has an account is not shown to whoever types it in (allauth's
    enumeration protection): the page is the same, the mail goes to the address."""
    register(client)
    mail.outbox.clear()
    counts = {model: model.objects.count() for model in STORED_MODELS}

    response = register(Client(), email="Erika@Beispiel.example", company="Zweite GmbH")
    assert response.status_code == 302
    assert response["Location"] == "/en/account/confirm-email/"
    assert {model: model.objects.count() for model in STORED_MODELS} == counts
    assert not Organisation.objects.filter(name="Zweite GmbH").exists()
    [message] = mail.outbox
    assert message.to == [VALID["email"]]
    assert message.subject == "CONSENTserve: You already have an account"
    assert "already exists" in message.body
    assert "/en/account/password/reset/" in message.body


def test_missing_csrf_token_is_refused_and_stores_nothing_r_b3_1(settings):
    settings.CSRF_FAILURE_VIEW = CSRF_FAILURE_VIEW
    browser = Client(enforce_csrf_checks=True)
    browser.get(SIGNUP["en"])  # the form sets its cookie
    response = browser.post(SIGNUP["en"], VALID)  # but the token is not sent
    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()
    assert stored_nothing()


def test_form_with_its_token_is_accepted_r_b3_1():
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(SIGNUP["en"]).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = browser.post(SIGNUP["en"], {**VALID, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert User.objects.count() == 1


# --- the page --------------------------------------------------------------------------------


def test_registration_page_asks_for_the_policys_data_only_r_b3_1(client):
    html = client.get(SIGNUP["en"]).content.decode()
    names = set(re.findall(r'<(?:input|select)[^>]*name="([^"]+)"', html))
    assert names == set(VALID) | {"newsletter", "csrfmiddlewaretoken"}
    assert html.count("<h1") == 1
    assert 'option value="DE" selected' in html
    # The mandate text names the creditor and is read out with the checkbox.
    assert "you authorise (A) Multimedia Internet Services GmbH" in html
    checkbox = _field_widget(html, "mandate_authorised")
    assert 'aria-describedby="id_mandate_authorised_helptext"' in checkbox


def test_registration_page_tells_the_legal_basis_from_the_register_r_b3_1_r_b3_8(client):
    html = client.get(SIGNUP["de"]).content.decode()
    assert "Art. 6 Abs. 1 lit. b DSGVO für alle Pflichtangaben" in html
    assert "Art. 6 Abs. 1 lit. a DSGVO ausschließlich für freiwillige" in html
    assert 'href="/de/datenschutz/#customer-registration"' in html
    assert "ermächtigen Sie (A) Multimedia Internet Services GmbH" in html
