from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "consentserve.analytics"
    label = "analytics"
    verbose_name = _("Website analytics")
