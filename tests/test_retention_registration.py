"""Retention of registration data travels in time (R-B3-3, R-B3-5, R-B3-6, R-E-3)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from test_privacy_engine_world import PASSWORD, hold, person

from consentserve.accounts.models import Membership, OptionalConsent, Organisation
from consentserve.billing.models import SepaMandate
from consentserve.privacy import engine
from consentserve.privacy.models import DeferredErasure, RetentionRun
from consentserve.privacy.retention import retention_run

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-3", "R-B3-5", "R-B3-6", "R-E-3")]

BERLIN = ZoneInfo("Europe/Berlin")
CONTRACT_END = datetime(2026, 6, 30, 18, 0, tzinfo=BERLIN)
KEPT_ON = datetime(2027, 6, 29, 12, 0, tzinfo=BERLIN)
GONE_BY = datetime(2027, 7, 1, 0, 30, tzinfo=BERLIN)
User = get_user_model()


@pytest.fixture
def customer():
    with time_machine.travel(datetime(2025, 3, 1, 9, 0, tzinfo=BERLIN), tick=False):
        owner = person("Rita", "Rückert", company="Rückert Bau", iban="DE89370400440532013000")
    return owner


def _end_contract(organisation, at=CONTRACT_END):
    organisation.contract_ended_at = at
    organisation.save()


def _run(at):
    with time_machine.travel(at, tick=False):
        return retention_run()


def _exists(obj) -> bool:
    return type(obj)._default_manager.filter(pk=obj.pk).exists()


def test_account_is_kept_until_12_months_after_the_contract_ended_r_b3_3(customer):
    _end_contract(customer.organisation)
    _run(KEPT_ON)
    for obj in (customer.user, customer.organisation, customer.mandate, customer.newsletter):
        assert _exists(obj)
    assert EmailAddress.objects.filter(user=customer.user).exists()


def test_account_is_gone_by_1_july_2027_r_b3_3(customer):
    _end_contract(customer.organisation)
    runs = _run(GONE_BY)
    for obj in (customer.user, customer.organisation, customer.mandate, customer.newsletter):
        assert not _exists(obj)
    assert not EmailAddress.objects.exists()
    assert not Authenticator.objects.exists()
    assert not Membership.objects.exists()
    user_run = next(r for r in runs if r.store == "accounts.User")
    assert (user_run.due, user_run.deleted >= 1) == (1, True)


def test_a_user_stays_while_another_organisation_still_has_a_contract_r_b3_3(customer):
    other = Organisation.objects.create(
        name="Zweitfirma", street="Weg 1", postcode="36208", city="Wildeck", country="DE"
    )
    Membership.objects.create(organisation=other, user=customer.user, role=Membership.Role.ADMIN)
    _end_contract(customer.organisation)
    _run(GONE_BY)
    assert not _exists(customer.organisation)
    assert _exists(customer.user)
    # Sign-in data go only with the account, not with the first organisation that ends.
    assert EmailAddress.objects.filter(user=customer.user).exists()
    assert Authenticator.objects.filter(user=customer.user).exists()

    _end_contract(other, at=datetime(2027, 3, 31, 12, 0, tzinfo=BERLIN))
    _run(datetime(2028, 3, 30, 12, 0, tzinfo=BERLIN))
    assert _exists(customer.user)
    _run(datetime(2028, 4, 1, 12, 0, tzinfo=BERLIN))
    assert not _exists(customer.user)


def test_a_user_without_any_organisation_goes_12_months_after_the_last_sign_in_r_b3_3():
    with time_machine.travel(datetime(2025, 1, 10, tzinfo=BERLIN), tick=False):
        stale = person("Stefan", "Staub", company=None, iban="")
        staff = User.objects.create_user("staff@example.org", PASSWORD, is_staff=True)
    with time_machine.travel(datetime(2025, 12, 1, tzinfo=BERLIN), tick=False):
        recent = person("Rena", "Rege", company=None, iban="")
    _run(datetime(2026, 1, 15, tzinfo=BERLIN))
    assert not _exists(stale.user)
    assert _exists(recent.user)
    assert _exists(staff)  # staff are not customers


def test_a_statutory_hold_keeps_the_organisation_minimised_and_restricted_r_b3_5(customer):
    _end_contract(customer.organisation)
    release = datetime(2035, 1, 1, tzinfo=BERLIN)
    hold(customer.organisation, expires_at=release)
    _run(GONE_BY)
    organisation = Organisation.objects.get(pk=customer.organisation.pk)
    assert organisation.restricted
    assert organisation.vat_id == ""  # not on the held invoices
    assert (organisation.name, organisation.city) == ("Rückert Bau", "Wildeck")
    # Everything else went: sign-in, membership, payment details, consents.
    assert not _exists(customer.user)
    assert not Membership.objects.exists()
    assert not SepaMandate.objects.exists()
    assert not OptionalConsent.objects.exists()

    _run(datetime(2034, 12, 31, 12, 0, tzinfo=BERLIN))
    assert _exists(customer.organisation)
    _run(datetime(2035, 1, 1, 1, 0, tzinfo=BERLIN))
    assert not _exists(customer.organisation)


def test_a_held_user_keeps_only_the_row_not_the_sign_in_r_b3_5(customer):
    _end_contract(customer.organisation)
    hold(customer.user, kind="litigation", expires_at=datetime(2028, 1, 1, tzinfo=BERLIN))
    _run(GONE_BY)
    user = User.objects.get(pk=customer.user.pk)
    assert user.restricted
    assert not user.is_active
    assert user.last_login is None
    assert not user.check_password(PASSWORD)
    assert not EmailAddress.objects.exists()
    assert not Authenticator.objects.exists()
    assert not Membership.objects.exists()
    _run(datetime(2028, 1, 2, tzinfo=BERLIN))
    assert not _exists(customer.user)


def test_an_erasure_deferred_by_a_hold_happens_when_the_hold_ends_r_b3_6(customer):
    release = datetime(2030, 1, 1, tzinfo=BERLIN)
    hold(customer.organisation, expires_at=release)
    with time_machine.travel(datetime(2026, 2, 1, tzinfo=BERLIN), tick=False):
        engine.account_erase(user=customer.user, password=PASSWORD)
    assert _exists(customer.organisation)
    runs = _run(datetime(2029, 12, 31, tzinfo=BERLIN))
    deferred = next(r for r in runs if r.action == "erase")
    assert (deferred.store, deferred.due, deferred.held, deferred.deleted) == (
        "accounts.Organisation",
        1,
        1,
        0,
    )
    _run(datetime(2030, 1, 1, 1, 0, tzinfo=BERLIN))
    assert not _exists(customer.organisation)
    assert not DeferredErasure.objects.exists()
    assert RetentionRun.objects.filter(action="erase", deleted=1).exists()


def test_dry_run_counts_registration_data_and_deletes_nothing_r_e_1(customer):
    _end_contract(customer.organisation)
    with time_machine.travel(GONE_BY, tick=False):
        runs = retention_run(dry_run=True)
    assert _exists(customer.user)
    assert next(r for r in runs if r.store == "accounts.User").due == 1
    assert next(r for r in runs if r.store == "account.EmailAddress").due == 1
