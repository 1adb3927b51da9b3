from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo state of `make run`: builds on every other app, and no app builds on it."""

    name = "consentserve.demo"
    label = "demo"
    verbose_name = "Demo data"
