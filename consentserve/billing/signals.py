"""When an organisation goes (retention after its contract, or its owner's erasure), its
invoices stay for their statutory period with only what is printed on them: the link to the
organisation goes by SET_NULL, the address the mail went to is blanked here and the invoices are
flagged restricted (R-B3-5, Art. 18)."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from consentserve.accounts.models import Organisation

from .models import Collection, Invoice


@receiver(pre_delete, sender=Organisation, dispatch_uid="billing.invoices_detach")
def invoices_detach(sender, instance, **kwargs) -> None:
    Collection.objects.filter(invoice__organisation=instance).update(restricted=True)
    Invoice.objects.filter(organisation=instance).update(buyer_email="", restricted=True)
