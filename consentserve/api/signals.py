"""An export's file goes with its row, however the row is deleted: by retention (a batch
delete sends post_delete per row), with its installation or in the back office."""

from django.core.files.storage import storages
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import ConsentExport


@receiver(post_delete, sender=ConsentExport)
def export_file_delete(sender, instance: ConsentExport, **kwargs) -> None:
    if not instance.file:
        return
    name = instance.file
    # After the commit: a delete that is rolled back keeps its file.
    transaction.on_commit(lambda: storages["exports"].delete(name))
