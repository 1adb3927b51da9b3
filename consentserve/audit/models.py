from django.db import models
from django.utils.translation import gettext_lazy as _

from .errors import AuditEntryImmutable


class AuditEntryQuerySet(models.QuerySet):
    """No bulk path changes an entry. Deleting stays possible for the retention engine, which
    removes only entries whose period has run; verify() notices any other gap."""

    def update(self, **kwargs):
        raise AuditEntryImmutable("audit entries cannot be changed")


class AuditEntry(models.Model):
    """One recorded act: who did what to which record, chained to the entry before it by its
    hash, so that a changed or removed entry breaks the chain (see chain.verify)."""

    seq = models.PositiveBigIntegerField(_("number"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    # "user:<id>" or "system": an id, not a name, so entries hold no more than needed.
    actor = models.CharField(_("actor"), max_length=64)
    action = models.CharField(_("action"), max_length=64)
    # "<app_label>.<model>[:<pk>]" of the record acted on, if any.
    target = models.CharField(_("record"), max_length=128, blank=True)
    # "user:<id>" of the data subject concerned, where known.
    subject = models.CharField(_("data subject"), max_length=64, blank=True)
    # Only ids, counts and field names; never the personal data themselves.
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, unique=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditEntryImmutable("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEntryImmutable("audit entries are removed only by the retention engine")


class AuditHead(models.Model):
    """The newest entry's number and hash in one row: appending locks it, which keeps the chain
    linear, and verify() compares it with the last entry, so removing entries from the end is
    noticed too."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.seq}"
