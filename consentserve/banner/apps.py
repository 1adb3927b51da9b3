from django.apps import AppConfig


class BannerConfig(AppConfig):
    """No models: installed so that its static files (the Google Analytics add-on, ga4.js) are
    collected and served like every other app's."""

    name = "consentserve.banner"
    label = "banner"
    verbose_name = "Banner"
