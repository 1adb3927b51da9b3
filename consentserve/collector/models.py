from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .partitions import PartitionedManager

ACTIONS = ("accept_all", "reject_all", "custom", "withdraw", "gpc")


class ConsentRecord(models.Model):
    """One decision of a visitor, kept as proof of consent (Art. 7(1) GDPR, REQUIREMENTS T4).

    Append-only: rows are written by the collector's writer (writer.py) in groups and never
    changed; the retention engine deletes them. `created_at` is the server's time of the commit
    and the key of the monthly partitions on PostgreSQL (partitions.py): there the primary key
    is (id, created_at) and `collector_record_once` a unique index on each partition."""

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

    objects = PartitionedManager()

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


class DeviceClass(models.TextChoices):
    DESKTOP = "desktop", _("desktop")
    MOBILE = "mobile", _("mobile")
    TABLET = "tablet", _("tablet")
    OTHER = "other", _("other")


class ConsentDailyStat(models.Model):
    """Decisions of one UTC day per version, language and device class: counts only, kept
    when the records are deleted. The writer adds to them in the transaction that inserts the
    records (rollups.py); `collector_rollups_rebuild` recomputes them from the records."""

    # Counts of an installation go with it; they are no evidence.
    installation = models.ForeignKey(
        "installations.Installation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(_("day (UTC)"))
    version = models.ForeignKey(
        "installations.PublishedVersion",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    language = models.CharField(_("language"), max_length=8)
    device = models.CharField(_("device class"), max_length=8, choices=DeviceClass.choices)
    decisions = models.PositiveIntegerField(_("decisions"), default=0)
    accept_all = models.PositiveIntegerField(_("accept all"), default=0)
    reject_all = models.PositiveIntegerField(_("reject all"), default=0)
    custom = models.PositiveIntegerField(_("custom selection"), default=0)
    withdraw = models.PositiveIntegerField(_("withdrawals"), default=0)
    gpc = models.PositiveIntegerField(_("Global Privacy Control signals"), default=0)

    class Meta:
        verbose_name = _("daily consent statistic")
        verbose_name_plural = _("daily consent statistics")
        constraints = [
            # The writer's upsert target (ON CONFLICT); also the index the statistics read.
            models.UniqueConstraint(
                fields=["installation", "day", "version", "language", "device"],
                name="collector_daily_stat_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.language} {self.device}: {self.decisions}"


class ConsentOptInStat(models.Model):
    """Per UTC day and category or service: the decisions that offered it (`total`) and those
    that granted it. Counts only, maintained like ConsentDailyStat."""

    class Kind(models.TextChoices):
        CATEGORY = "category", _("category")
        SERVICE = "service", _("service")

    installation = models.ForeignKey(
        "installations.Installation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(_("day (UTC)"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    item = models.CharField(_("category or service ID"), max_length=100)
    granted = models.PositiveIntegerField(_("granted"), default=0)
    total = models.PositiveIntegerField(_("offered"), default=0)

    class Meta:
        verbose_name = _("daily opt-in statistic")
        verbose_name_plural = _("daily opt-in statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "day", "kind", "item"], name="collector_optin_stat_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.item}: {self.granted}/{self.total}"
