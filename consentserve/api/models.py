import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A read-only key of an organisation for the customer API (/api/v1/).

    The secret (`cs_` and 40 random characters) is shown once when the key is created; only its
    SHA-256 is stored, so a copy of the database opens no API. The prefix identifies the key in
    the portal's list without revealing it."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8)
    secret_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,  # the creator may leave; the key stays the organisation's
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Updated at most once a minute (auth.py), so reads do not turn into a write each.
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} (cs_{self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ConsentExport(models.Model):
    """A file of an installation's consent records, written in the background (export_jobs.py)
    and downloaded through a link that expires. The file is the API's export format, gzipped,
    in the `exports` storage; it goes with this row (signals.py), 7 days after the request
    (register: customer-consent-records)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSONL = "jsonl", "JSON Lines"

    # Not guessable: the id appears in download links and API answers.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    installation = models.ForeignKey(
        "installations.Installation", on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_with = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(_("format"), max_length=5, choices=Format.choices)
    # The API's filters (schemas.ConsentFilter) as given: from/to as ISO 8601, action, version,
    # language, consent_id; absent keys do not narrow.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default="queued")
    rows_total = models.PositiveBigIntegerField(_("records to export"), null=True, blank=True)
    rows_done = models.PositiveBigIntegerField(_("records exported"), default=0)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    file = models.CharField(_("file"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # Written with the progress, about once a second: a running job whose worker died stops
    # updating it, and export_jobs.exports_sweep marks it failed.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent export")
        verbose_name_plural = _("consent exports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["installation", "-created_at"], name="api_export_recent")]

    def __str__(self) -> str:
        return f"{self.installation_id} {self.format} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def progress(self) -> float | None:
        """Share of the records written, 0 to 1 (None before they are counted)."""
        if self.state == self.State.DONE:
            return 1.0
        if not self.rows_total:
            return None if self.rows_total is None else 0.0
        return min(self.rows_done / self.rows_total, 1.0)
