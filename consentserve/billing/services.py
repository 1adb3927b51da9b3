"""Writes of the billing app: the SEPA direct-debit mandate, the policy's payment information
(B.3). Bank details are checked here, whoever calls, and stored encrypted (R-G-3)."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from consentserve.accounts.models import Membership, Organisation

from .models import SepaMandate
from .sepa import bic_clean, iban_clean, mandate_reference_new

logger = logging.getLogger(__name__)

# Who may change how the organisation pays.
# Payment details are the contract holder's: only the owner replaces them (portal role matrix).
PAYMENT_ROLES = (Membership.Role.OWNER,)


def sepa_mandate_create(
    *, organisation: Organisation, account_holder: str, iban: str, bic: str
) -> SepaMandate:
    """The organisation's first mandate, granted today under a new reference."""
    mandate = SepaMandate(organisation=organisation)
    _fill(mandate, account_holder=account_holder, iban=iban, bic=bic)
    with transaction.atomic():
        mandate.full_clean()
        mandate.save()
    return mandate


def sepa_mandate_replace(
    *, organisation: Organisation, account_holder: str, iban: str, bic: str, actor
) -> SepaMandate:
    """A new mandate in place of the current one (new bank details, new reference, today's
    date), granted by an owner or admin of the organisation."""
    if not Membership.objects.filter(
        organisation=organisation, user=actor, role__in=PAYMENT_ROLES
    ).exists():
        raise PermissionDenied("only an owner or admin may change the payment details")
    with transaction.atomic():
        mandate = SepaMandate.objects.select_for_update().filter(organisation=organisation).first()
        if mandate is None:
            mandate = SepaMandate(organisation=organisation)
        # Restricted data is only stored (Art. 18, R-F-18): no edits until the restriction ends.
        if organisation.restricted or mandate.restricted:
            raise PermissionDenied("the payment details are restricted")
        _fill(mandate, account_holder=account_holder, iban=iban, bic=bic)
        mandate.full_clean()
        mandate.save()
    # Ids only: the log holds no personal data.
    logger.info("SEPA mandate of organisation %s replaced by user %s", organisation.pk, actor.pk)
    return mandate


def _fill(mandate: SepaMandate, *, account_holder: str, iban: str, bic: str) -> None:
    """Checked bank details, a fresh reference and today's date on the mandate."""
    errors = {}
    try:
        iban = iban_clean(iban)
    except ValidationError as error:
        errors["iban"] = error.messages
    else:
        try:
            bic = bic_clean(bic, iban=iban)
        except ValidationError as error:
            errors["bic"] = error.messages
    if errors:
        raise ValidationError(errors)
    mandate.account_holder = account_holder.strip()
    mandate.iban = iban
    mandate.bic = bic
    mandate.reference = mandate_reference_new()
    mandate.signed_on = timezone.localdate()
