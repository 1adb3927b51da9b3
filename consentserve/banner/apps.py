from django.apps import AppConfig


class BannerConfig(AppConfig):
    """The loader and its compiled answers (models.CompiledLoader); installed also so that its
    static files (the Google Analytics add-on, ga4.js) are collected and served like every
    other app's."""

    name = "consentserve.banner"
    label = "banner"
    verbose_name = "Banner"
