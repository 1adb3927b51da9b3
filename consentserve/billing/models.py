from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentserve.core.crypto import EncryptedCharField


class SepaMandate(models.Model):
    """The customer's SEPA direct-debit mandate: the policy's "Zahlungsinformationen" (B.3).

    Account holder, IBAN and BIC are encrypted at rest and shown masked (R-G-3).
    """

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="sepa_mandate"
    )
    account_holder = EncryptedCharField(_("account holder"))
    iban = EncryptedCharField(_("IBAN"))
    bic = EncryptedCharField(_("BIC"), blank=True)
    reference = models.CharField(_("mandate reference"), max_length=35, unique=True)
    signed_on = models.DateField(_("date of signature"), default=timezone.localdate)
    restricted = models.BooleanField(_("processing restricted"), default=False)

    class Meta:
        verbose_name = _("SEPA direct-debit mandate")
        verbose_name_plural = _("SEPA direct-debit mandates")

    def __str__(self) -> str:
        return self.reference

    @property
    def iban_masked(self) -> str:
        """Country, check digits and the last four characters: enough to recognise it."""
        compact = self.iban.replace(" ", "")
        return f"{compact[:4]} **** **** {compact[-4:]}" if len(compact) > 8 else "****"
