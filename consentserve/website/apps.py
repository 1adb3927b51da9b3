from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    name = "consentserve.website"
    label = "website"
    verbose_name = "Website"
