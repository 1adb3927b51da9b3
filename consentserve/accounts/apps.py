from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "consentserve.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from .staff_login import backoffice_login_install

        backoffice_login_install()
