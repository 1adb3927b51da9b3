"""Scans of an installation's website and their results (register activity `website-scans`:
results are kept 13 months, screenshots 3 months). A scan records what a website does, not
who visits it: nothing of any visitor of the site is involved."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scan(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    installation = models.ForeignKey(
        "installations.Installation", on_delete=models.CASCADE, related_name="scans"
    )
    url = models.URLField(_("address"), max_length=500)
    # Who asked for it; empty for a scheduled scan or once the account is gone.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    scheduled = models.BooleanField(_("scheduled"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    scanner_version = models.CharField(_("scanner version"), max_length=60, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    # The report of classify.py without the pages' raw records (they stay in `pages`).
    report = models.JSONField(_("report"), default=dict, blank=True)
    # What a re-scan compares: the services and items found, the leaks (fingerprint.py).
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("website scan")
        verbose_name_plural = _("website scans")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["installation", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.url} ({self.created_at:%Y-%m-%d})"


class ScanScreenshot(models.Model):
    """The first view of one page in one state: the evidence of a leak; kept 3 months."""

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="screenshots")
    name = models.CharField(_("name"), max_length=40)  # "003-reject.jpg", as in the report
    image = models.BinaryField(_("image"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("scan screenshot")
        verbose_name_plural = _("scan screenshots")
        constraints = [
            models.UniqueConstraint(fields=["scan", "name"], name="scanner_screenshot_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ScanSchedule(models.Model):
    """When the installation's website is scanned again (monthly by default)."""

    installation = models.OneToOneField(
        "installations.Installation", on_delete=models.CASCADE, related_name="scan_schedule"
    )
    url = models.URLField(_("address"), max_length=500)
    interval_days = models.PositiveSmallIntegerField(_("interval in days"), default=30)
    next_at = models.DateTimeField(_("next scan"))
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("scan schedule")
        verbose_name_plural = _("scan schedules")

    def __str__(self) -> str:
        return f"{self.url} every {self.interval_days} days"

    def advance(self, now=None) -> None:
        self.next_at = (now or timezone.now()) + timedelta(days=self.interval_days)
