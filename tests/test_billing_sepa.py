"""Payment information as a SEPA direct-debit mandate (policy B.3): bank details checked with
schwifty, the reference generated, values encrypted at rest and shown masked (R-B3-1, R-G-3),
and a replacement only by the owner of the organisation."""

import logging
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from consentserve.accounts.models import Membership, Organisation, User
from consentserve.billing.forms import SepaMandateForm
from consentserve.billing.models import SepaMandate
from consentserve.billing.selectors import mandate_for_display
from consentserve.billing.sepa import bic_clean, iban_clean, mandate_reference_new
from consentserve.billing.services import sepa_mandate_create, sepa_mandate_replace

pytestmark = pytest.mark.req("R-B3-1", "R-G-3")

IBAN = "DE89370400440532013000"
OTHER_IBAN = "DE02120300000000202051"  # Deutsche Kreditbank, a documented example account
SWISS_IBAN = "CH9300762011623852957"  # schwifty does not know this bank's BIC


@pytest.fixture
def organisation(db):
    return Organisation.objects.create(
        name="Beispiel GmbH", street="Hauptstraße 1", postcode="36208", city="Wildeck", country="DE"
    )


def _member(organisation, role, email):
    user = User.objects.create_user(email, "a-long-passphrase")
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


# --- checking bank details -------------------------------------------------------------------


def test_iban_is_stored_compact_r_b3_1():
    assert iban_clean(" de89 3704 0044 0532 0130 00 ") == IBAN


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("DE89370400440532013001", "invalid_iban"),  # wrong check digits
        ("DE8937040044053201300", "invalid_iban"),  # one digit short
        ("XX89370400440532013000", "invalid_iban"),
        ("not an iban", "invalid_iban"),
        ("US64SVBKUS6S3300958879", "invalid_iban"),
        ("BR1500000000000010932840814P2", "iban_outside_sepa"),
    ],
)
def test_invalid_or_non_sepa_iban_is_refused_r_b3_1(value, code):
    with pytest.raises(ValidationError) as error:
        iban_clean(value)
    assert error.value.code == code


def test_bic_is_derived_from_the_iban_when_the_bank_is_known_r_b3_1():
    assert bic_clean("", iban=IBAN) == "COBADEFFXXX"
    assert bic_clean(" coba de ff xxx ", iban=IBAN) == "COBADEFFXXX"


def test_bic_may_stay_empty_inside_the_eea_but_not_outside_r_b3_1():
    assert bic_clean("", iban="AT611904300234573201") == ""
    with pytest.raises(ValidationError) as error:
        bic_clean("", iban=SWISS_IBAN)
    assert error.value.code == "bic_required"
    assert bic_clean("UBSWCHZH80A", iban=SWISS_IBAN) == "UBSWCHZH80A"


@pytest.mark.parametrize("value", ["COBA1", "COBADEFFXX", "COBAXXFF", "COBA-DE-FF"])
def test_invalid_bic_is_refused_r_b3_1(value):
    with pytest.raises(ValidationError) as error:
        bic_clean(value, iban=IBAN)
    assert error.value.code == "invalid_bic"


def test_mandate_references_are_fresh_and_fit_sepa_r_b3_1():
    references = {mandate_reference_new() for _ in range(1000)}
    assert len(references) == 1000
    for reference in references:
        # SEPA: at most 35 characters of A-Z, a-z, 0-9 and + ? / - : ( ) . , ' and space.
        assert len(reference) <= 35
        assert re.fullmatch(r"CS-[A-Z2-9]{16}", reference)


# --- the form the registration page and the portal share ------------------------------------


def test_form_cleans_and_derives_the_bic_r_b3_1():
    form = SepaMandateForm(
        {"account_holder": "Beispiel GmbH", "iban": "DE89 3704 0044 0532 0130 00", "bic": ""}
        | {"mandate_authorised": "on"}
    )
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["iban"], form.cleaned_data["bic"]) == (IBAN, "COBADEFFXXX")


def test_form_needs_the_authorisation_r_b3_1():
    form = SepaMandateForm({"account_holder": "Beispiel GmbH", "iban": IBAN})
    with translation.override("en"):
        assert not form.is_valid()
        assert form.errors["mandate_authorised"] == [
            "Please grant the SEPA direct-debit mandate: without it we cannot collect the fees."
        ]


def test_form_shows_the_standard_mandate_text_in_both_languages_r_b3_1():
    with translation.override("en"):
        text = str(SepaMandateForm().fields["mandate_authorised"].help_text)
    assert text.startswith("By granting this mandate, you authorise (A) Multimedia Internet")
    assert "refund must be claimed within 8 weeks" in text
    with translation.override("de"):
        text = str(SepaMandateForm().fields["mandate_authorised"].help_text)
        label = str(SepaMandateForm().fields["mandate_authorised"].label)
    assert "ermächtigen Sie (A) Multimedia Internet Services GmbH" in text
    assert "innerhalb von acht Wochen, beginnend mit dem Belastungsdatum" in text
    assert label == "Ich erteile dieses SEPA-Lastschriftmandat"


# --- storing, showing, replacing ------------------------------------------------------------


def test_mandate_is_created_today_with_checked_details_r_b3_1(organisation):
    mandate = sepa_mandate_create(
        organisation=organisation,
        account_holder=" Beispiel GmbH ",
        iban="de89 3704 0044 0532 0130 00",
        bic="",
    )
    mandate.refresh_from_db()
    assert (mandate.account_holder, mandate.iban, mandate.bic) == (
        "Beispiel GmbH",
        IBAN,
        "COBADEFFXXX",
    )
    assert mandate.signed_on == timezone.localdate()


def test_display_masks_the_iban_r_g_3(organisation):
    assert mandate_for_display(organisation) is None
    mandate = sepa_mandate_create(
        organisation=organisation, account_holder="Beispiel GmbH", iban=IBAN, bic=""
    )
    shown = mandate_for_display(organisation)
    assert shown.iban_masked == "DE89 **** **** 3000"
    assert IBAN not in repr(shown)
    assert (shown.account_holder, shown.bic, shown.reference, shown.signed_on) == (
        "Beispiel GmbH",
        "COBADEFFXXX",
        mandate.reference,
        timezone.localdate(),
    )
    assert shown.restricted is False


@pytest.mark.parametrize("role", [Membership.Role.OWNER])
def test_owner_replaces_the_mandate_r_b3_7(organisation, role, caplog):
    old = sepa_mandate_create(
        organisation=organisation, account_holder="Beispiel GmbH", iban=IBAN, bic=""
    )
    actor = _member(organisation, role, "actor@example.com")
    with caplog.at_level(logging.INFO):
        new = sepa_mandate_replace(
            organisation=organisation,
            account_holder="Beispiel Handels GmbH",
            iban=OTHER_IBAN,
            bic="",
            actor=actor,
        )
    assert SepaMandate.objects.count() == 1
    new.refresh_from_db()
    assert (new.account_holder, new.iban, new.bic) == (
        "Beispiel Handels GmbH",
        OTHER_IBAN,
        "BYLADEM1001",
    )
    assert new.reference != old.reference
    assert new.signed_on == timezone.localdate()
    # The log names ids only.
    for personal in (OTHER_IBAN, "Beispiel", "actor@example.com"):
        assert personal not in caplog.text


def test_admin_viewer_or_stranger_may_not_replace_the_mandate_r_b3_2(organisation):
    sepa_mandate_create(
        organisation=organisation, account_holder="Beispiel GmbH", iban=IBAN, bic=""
    )
    viewer = _member(organisation, Membership.Role.VIEWER, "viewer@example.com")
    admin = _member(organisation, Membership.Role.ADMIN, "admin@example.com")
    other = Organisation.objects.create(
        name="Andere AG", street="Weg 2", postcode="10115", city="Berlin", country="DE"
    )
    stranger = _member(other, Membership.Role.OWNER, "owner@andere.example")
    for actor in (viewer, admin, stranger):
        with pytest.raises(PermissionDenied):
            sepa_mandate_replace(
                organisation=organisation,
                account_holder="X",
                iban=OTHER_IBAN,
                bic="",
                actor=actor,
            )
    assert SepaMandate.objects.get().iban == IBAN


def test_invalid_replacement_keeps_the_old_mandate_r_b3_7(organisation):
    old = sepa_mandate_create(
        organisation=organisation, account_holder="Beispiel GmbH", iban=IBAN, bic=""
    )
    owner = _member(organisation, Membership.Role.OWNER, "owner@example.com")
    with pytest.raises(ValidationError) as error:
        sepa_mandate_replace(
            organisation=organisation,
            account_holder="Beispiel GmbH",
            iban="DE00 0000",
            bic="",
            actor=owner,
        )
    assert "iban" in error.value.message_dict
    fresh = SepaMandate.objects.get()
    assert (fresh.iban, fresh.reference) == (IBAN, old.reference)


def test_restricted_mandate_is_not_edited_r_f_18(organisation):
    mandate = sepa_mandate_create(
        organisation=organisation, account_holder="Beispiel GmbH", iban=IBAN, bic=""
    )
    SepaMandate.objects.filter(pk=mandate.pk).update(restricted=True)
    owner = _member(organisation, Membership.Role.OWNER, "owner@example.com")
    with pytest.raises(PermissionDenied):
        sepa_mandate_replace(
            organisation=organisation,
            account_holder="Beispiel GmbH",
            iban=OTHER_IBAN,
            bic="",
            actor=owner,
        )
    assert mandate_for_display(organisation).restricted is True
    assert SepaMandate.objects.get().iban == IBAN


def test_services_take_keyword_arguments_only(organisation):
    with pytest.raises(TypeError):
        sepa_mandate_create(organisation, "Beispiel GmbH", IBAN, "")  # type: ignore[misc]
