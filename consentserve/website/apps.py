from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    name = "consentserve.website"
    label = "website"
    verbose_name = "Website"

    def ready(self):
        from . import checks  # noqa: F401  (registers the imprint check)
