"""Writes of the accounts app: registering a customer (policy B.3)."""

from allauth.account.models import EmailAddress
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from consentserve.billing.services import sepa_mandate_create

from .models import Membership, OptionalConsent, Organisation, User
from .validators import vat_id_clean

EMAIL_TAKEN = _("An account with this e-mail address already exists.")


def customer_register(
    *,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    company: str,
    street: str,
    postcode: str,
    city: str,
    country: str,
    vat_id: str,
    account_holder: str,
    iban: str,
    bic: str,
    newsletter: bool,
) -> User:
    """A new customer: the contact person as the organisation's owner, the company, the SEPA
    mandate and, only when asked for, the newsletter consent (R-B3-1, R-B3-8). Exactly the data
    the policy names for registration, all or nothing. The e-mail address starts unverified;
    allauth sends the verification mail once this has returned."""
    with transaction.atomic():
        user = _user_create(
            first_name=first_name, last_name=last_name, email=email, password=password
        )
        organisation = Organisation(
            name=company.strip(),
            street=street.strip(),
            postcode=postcode.strip(),
            city=city.strip(),
            country=country,
            vat_id=_check(vat_id_clean, vat_id, field="vat_id"),
        )
        organisation.full_clean()
        organisation.save()
        membership = Membership(organisation=organisation, user=user, role=Membership.Role.OWNER)
        membership.full_clean()
        membership.save()

        sepa_mandate_create(
            organisation=organisation, account_holder=account_holder, iban=iban, bic=bic
        )
        if newsletter:
            _newsletter_consent(user)
    return user


def _newsletter_consent(user: User) -> None:
    consent = OptionalConsent(user=user, purpose=OptionalConsent.Purpose.NEWSLETTER)
    consent.full_clean()
    consent.save()


def invitee_register(
    *, first_name: str, last_name: str, email: str, password: str, newsletter: bool
) -> User:
    """A person invited into an organisation: only the account, no company and no payment
    details; the invitation, accepted once the address is confirmed, makes them a member of
    the organisation that invited them (and pays)."""
    with transaction.atomic():
        user = _user_create(
            first_name=first_name, last_name=last_name, email=email, password=password
        )
        if newsletter:
            _newsletter_consent(user)
    return user


def _user_create(*, first_name: str, last_name: str, email: str, password: str) -> User:
    """The account with its unverified address; allauth sends the verification mail."""
    # allauth compares addresses case-insensitively and keeps them in lower case.
    email = email.strip().lower()
    if (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    ):
        raise ValidationError({"email": EMAIL_TAKEN})
    user = User(first_name=first_name.strip(), last_name=last_name.strip(), email=email)
    _check(password_validation.validate_password, password, user, field="password")
    user.set_password(password)
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


def _check(validate, *args, field: str):
    """Run a check that knows nothing of fields; its errors belong to `field`."""
    try:
        return validate(*args)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error
