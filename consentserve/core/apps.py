from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "consentserve.core"
    label = "core"
    verbose_name = "CONSENTserve"
