"""Checks of company details entered at registration."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.eu import vat
from stdnum.exceptions import ValidationError as NumberError

INVALID_VAT_ID = _(
    "This is not a valid VAT ID. Please enter the country code followed by the number, "
    "e.g. DE123456789 or ATU12345678."
)


def vat_id_clean(value: str) -> str:
    """An EU VAT identification number in its compact form ("DE 123 456 789" becomes
    "DE123456789"), checked with its country's check-digit rules; "" stays "" (it is optional)."""
    if not value.strip():
        return ""
    try:
        # compact() already refuses a country code that is not an EU member's.
        compact = vat.compact(value)
    except NumberError as error:
        raise ValidationError(INVALID_VAT_ID, code="invalid_vat_id") from error
    if not vat.is_valid(compact):
        raise ValidationError(INVALID_VAT_ID, code="invalid_vat_id")
    return compact
