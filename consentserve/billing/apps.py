from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "consentserve.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from . import signals  # noqa: F401
