from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class QuoteRequest(models.Model):
    """A case opened by the "Angebot anfordern" form (policy B.2, R-B2-1)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        RESOLVED = "resolved", _("resolved")

    contact_name = models.CharField(_("contact name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    company = models.CharField(_("company"), max_length=200)
    message = models.TextField(_("message"), max_length=5000)
    language = models.CharField(_("language"), max_length=2, default="de")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, db_index=True)
    # Restricted processing (Art. 18): the record is only stored, e.g. while a legal hold keeps it.
    restricted = models.BooleanField(_("restricted"), default=False)
    # The back office's working notes on the case; deleted with it.
    staff_notes = models.TextField(_("staff notes"), blank=True)

    class Meta:
        verbose_name = _("quote request")
        verbose_name_plural = _("quote requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_number} {self.company}"

    @property
    def case_number(self) -> str:
        """What the sender and the back office quote when they talk about this case."""
        return f"Q-{self.pk:06d}"
