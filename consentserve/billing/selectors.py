"""Reads of the billing app."""

from dataclasses import dataclass
from datetime import date

from consentserve.accounts.models import Organisation

from .models import SepaMandate


@dataclass(frozen=True)
class MandateDisplay:
    """What a payment-details page shows: the IBAN masked, the rest as granted."""

    account_holder: str
    iban_masked: str
    bic: str
    reference: str
    signed_on: date
    restricted: bool  # Art. 18: shown, but not editable (R-F-18)


def mandate_for_display(organisation: Organisation) -> MandateDisplay | None:
    """The organisation's current mandate, or None when it has none."""
    mandate = SepaMandate.objects.filter(organisation=organisation).first()
    if mandate is None:
        return None
    return MandateDisplay(
        account_holder=mandate.account_holder,
        iban_masked=mandate.iban_masked,
        bic=mandate.bic,
        reference=mandate.reference,
        signed_on=mandate.signed_on,
        restricted=mandate.restricted,
    )
