"""SEPA direct debit: checking bank details and naming mandates.

IBAN and BIC are checked with schwifty (check digits, national account structure, BIC format).
Within the EEA a direct debit needs only the IBAN, so the BIC may be left out; we fill it in
when schwifty knows the bank behind the IBAN.
"""

import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from consentserve.privacy.register import get_register

REFERENCE_PREFIX = "CS-"
# Letters and digits that cannot be mistaken for one another when read out on the phone.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_REFERENCE_RANDOM_LENGTH = 16  # 80 random bits; with the prefix 19 of the 35 characters allowed

# Payers in these countries may be debited by IBAN alone (Regulation (EU) No 260/2012, Art. 5(7)).
_IBAN_ONLY_COUNTRIES = (
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK"
)

INVALID_IBAN = _(
    "This is not a valid IBAN. It starts with the country code and two check digits, "
    "e.g. DE89 3704 0044 0532 0130 00; please copy it from your bank statement."
)
IBAN_OUTSIDE_SEPA = _("SEPA direct debit needs an account in the SEPA area; this IBAN is not.")
INVALID_BIC = _("This is not a valid BIC. It has 8 or 11 letters and digits, e.g. COBADEFFXXX.")
BIC_REQUIRED = _(
    "Please enter the BIC of your bank: for accounts in this country a direct debit needs it."
)


def iban_clean(value: str) -> str:
    """The IBAN in its compact form (no spaces, upper case), or a ValidationError."""
    try:
        iban = IBAN(value)
    except SchwiftyException as error:
        raise ValidationError(INVALID_IBAN, code="invalid_iban") from error
    if not iban.in_sepa_zone:
        raise ValidationError(IBAN_OUTSIDE_SEPA, code="iban_outside_sepa")
    return iban.compact


def bic_clean(value: str, *, iban: str) -> str:
    """The BIC as given, checked; when none is given, the bank's BIC derived from a valid IBAN,
    or "" where a direct debit needs none."""
    if value.strip():
        try:
            return BIC(value).compact
        except SchwiftyException as error:
            raise ValidationError(INVALID_BIC, code="invalid_bic") from error
    account = IBAN(iban)
    if account.bic is not None:
        return account.bic.compact
    if account.country_code in _IBAN_ONLY_COUNTRIES.split():
        return ""
    raise ValidationError(BIC_REQUIRED, code="bic_required")


def mandate_reference_new() -> str:
    """A fresh mandate reference: unique by chance (80 bits) and by the database constraint."""
    random_part = "".join(
        secrets.choice(_REFERENCE_ALPHABET) for _position in range(_REFERENCE_RANDOM_LENGTH)
    )
    return REFERENCE_PREFIX + random_part


def mandate_text() -> str:
    """The standard wording of a SEPA core direct-debit mandate, in the active language, naming
    the controller as the creditor."""
    creditor = get_register().data["controller"]["name"]
    return gettext(
        "By granting this mandate, you authorise (A) %(creditor)s to send instructions to your "
        "bank to debit your account and (B) your bank to debit your account in accordance with "
        "the instructions from %(creditor)s. As part of your rights, you are entitled to a refund "
        "from your bank under the terms and conditions of your agreement with your bank. A refund "
        "must be claimed within 8 weeks starting from the date on which your account was debited."
    ) % {"creditor": creditor}
