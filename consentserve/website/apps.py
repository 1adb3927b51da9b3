from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebsiteConfig(AppConfig):
    name = "consentserve.website"
    label = "website"
    verbose_name = _("Website")

    def ready(self):
        from . import checks  # noqa: F401  (registers the imprint check)
