from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "consentserve.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        # Validate the register at start-up: a broken register stops the process here.
        from . import checks, register  # noqa: F401

        register.get_register()

        from consentserve.core.probes import liveness_register

        from .access_log import writer_alive

        liveness_register(writer_alive)
