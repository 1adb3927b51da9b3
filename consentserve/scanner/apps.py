from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScannerConfig(AppConfig):
    name = "consentserve.scanner"
    label = "scanner"
    verbose_name = _("Website scanner")
