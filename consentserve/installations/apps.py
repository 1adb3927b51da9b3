from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstallationsConfig(AppConfig):
    name = "consentserve.installations"
    label = "installations"
    verbose_name = _("Installations")
