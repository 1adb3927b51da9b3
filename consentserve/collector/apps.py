from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _partitions_ensure(sender, using, **kwargs):
    from .partitions import partitions_ensure

    partitions_ensure(using=using)


class CollectorConfig(AppConfig):
    name = "consentserve.collector"
    label = "collector"
    verbose_name = _("Consent records")

    def ready(self):
        # Every deployment runs migrate: the months ahead get their partitions then too.
        post_migrate.connect(_partitions_ensure, sender=self)
