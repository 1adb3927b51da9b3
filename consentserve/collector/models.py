from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ACTIONS = ("accept_all", "reject_all", "custom", "withdraw", "gpc")


class ConsentRecord(models.Model):
    """One decision of a visitor, kept as proof of consent (Art. 7(1) GDPR, REQUIREMENTS T4).

    Append-only: rows are written by the collector's writer (writer.py) in groups and never
    changed; the retention engine deletes them. `created_at` is the server's time of the commit
    and the key a monthly partitioning on PostgreSQL will use (docs/adr/0004)."""

    class Action(models.TextChoices):
        ACCEPT_ALL = "accept_all", _("accept all")
        REJECT_ALL = "reject_all", _("reject all")
        CUSTOM = "custom", _("custom selection")
        WITHDRAW = "withdraw", _("withdrawal")
        GPC = "gpc", _("Global Privacy Control signal")

    # Records are evidence: neither an installation nor a version is deleted under them.
    # No single-column indexes: the composite ones below lead with the installation, and a
    # version is never deleted (PublishedVersion refuses), so every insert updates two indexes
    # fewer.
    installation = models.ForeignKey(
        "installations.Installation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    version = models.ForeignKey(
        "installations.PublishedVersion",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    consent_id = models.CharField(_("consent ID"), max_length=22)
    # config["sha256"] of the version: the texts the visitor was shown.
    sha256 = models.CharField(_("SHA-256 of the texts shown"), max_length=64)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    # {"categories": {id: bool}, "services": {id: bool}}
    choices = models.JSONField(_("choices"))
    layer = models.PositiveSmallIntegerField(_("banner layer"))
    gpc = models.BooleanField(_("Global Privacy Control"))
    language = models.CharField(_("language"), max_length=8)
    ip = models.GenericIPAddressField(_("truncated IP address"))
    browser = models.CharField(_("browser family"), max_length=100, blank=True)
    os = models.CharField(_("operating system family"), max_length=100, blank=True)
    origin = models.CharField(_("page origin"), max_length=255)
    path = models.CharField(_("page path"), max_length=1024)
    client_time = models.DateTimeField(_("time on the visitor's device"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [
            models.Index(fields=["installation", "created_at"], name="collector_inst_created"),
        ]
        constraints = [
            # A record sent twice (a retried beacon) is stored once; records without a client
            # time are deduplicated in process for a short window instead (dedupe.py).
            models.UniqueConstraint(
                fields=["installation", "consent_id", "client_time"],
                name="collector_record_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consent_id} {self.action} {self.created_at:%Y-%m-%d %H:%M}"
