from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "consentserve.accounts"
    label = "accounts"
    verbose_name = _("Customers and staff")

    def ready(self):
        from . import staff_audit, totp_setup  # noqa: F401 - signal receivers
        from .backoffice_site import backoffice_site_install
        from .staff_login import backoffice_login_install

        backoffice_login_install()
        backoffice_site_install()
