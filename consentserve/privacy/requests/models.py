"""A privacy request from anyone, as one case with its deadline (Art. 12 GDPR, R-F-0a…e)."""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..deadlines import response_due

TEXT_MAX_LENGTH = 5000


class PrivacyRequest(models.Model):
    """One request, whatever its channel (form or mail).

    The request counts as received when it arrived (form sent, mail delivered), not when the
    requester confirmed their address: Art. 12(3) runs from receipt. A documented identity query
    may pause the clock (R-F-0c); its days are stored and move the deadline.
    """

    class Kind(models.TextChoices):
        ACCESS = "access", _("access (Art. 15 GDPR)")
        RECTIFICATION = "rectification", _("rectification (Art. 16 GDPR)")
        ERASURE = "erasure", _("erasure (Art. 17 GDPR)")
        RESTRICTION = "restriction", _("restriction of processing (Art. 18 GDPR)")
        PORTABILITY = "portability", _("data portability (Art. 20 GDPR)")
        OBJECTION = "objection", _("objection (Art. 21 GDPR)")
        WITHDRAWAL = "withdrawal", _("withdrawal of consent (Art. 7(3) GDPR)")
        UNSPECIFIED = "unspecified", _("to be classified")

    class Channel(models.TextChoices):
        FORM = "form", _("web form")
        MAIL = "mail", _("e-mail")

    class Status(models.TextChoices):
        AWAITING_VERIFICATION = "awaiting_verification", _("awaiting verification")
        OPEN = "open", _("open")
        ANSWERED = "answered", _("answered")
        REFUSED = "refused", _("refused")
        WITHDRAWN = "withdrawn", pgettext_lazy("privacy request", "withdrawn")

    class Verification(models.TextChoices):
        EMAIL_LINK = "email_link", _("e-mail link")
        PORTAL_SESSION = "portal_session", _("portal session")
        CONSENT_ID = "consent_id", _("consent ID (checked by staff)")
        STAFF = "staff", _("staff")

    CLOSED = (Status.ANSWERED, Status.REFUSED, Status.WITHDRAWN)

    # NULL until the row has its id (see save); NULLs do not collide in the unique index.
    number = models.CharField(  # noqa: DJ001
        _("case number"), max_length=20, unique=True, null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.FORM
    )
    text = models.TextField(_("request"), max_length=TEXT_MAX_LENGTH, blank=True)
    email = models.EmailField(_("e-mail address"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=2, default="de")
    consent_id = models.CharField(_("consent ID"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    verification = models.CharField(
        _("verified by"), max_length=20, choices=Verification.choices, blank=True
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=25,
        choices=Status.choices,
        default=Status.AWAITING_VERIFICATION,
        db_index=True,
    )
    paused_days = models.PositiveIntegerField(
        _("days paused for an identity query"),
        default=0,
        help_text=_("Days the deadline was paused during a documented identity query (R-F-0c)."),
    )
    due_on = models.DateField(_("due"), db_index=True)
    extension_months = models.PositiveSmallIntegerField(_("extension (months)"), default=0)
    extension_reasons = models.TextField(_("reasons for the extension"), blank=True)
    extension_announced_at = models.DateTimeField(_("extension announced"), null=True, blank=True)
    reply = models.TextField(_("reply or reasons"), blank=True)
    # The copy for an access or portability request, kept only between preparing and sending.
    export_zip = models.BinaryField(_("prepared copy"), null=True, blank=True, editable=False)
    export_prepared_at = models.DateTimeField(_("copy prepared"), null=True, blank=True)
    export_sent_at = models.DateTimeField(_("copy sent"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, db_index=True)
    # Derived from the status, for the register's subject link: the privacy engine finds only
    # closed cases, so erasing a person's data never takes the case that documents it.
    closed = models.BooleanField(_("closed"), default=False, editable=False)
    staff_notes = models.TextField(_("staff notes"), blank=True)
    # A mailed request's Message-ID, hashed (the header can name the sender's host): a delivery
    # the sending server retries opens no second case.
    message_digest = models.CharField(
        _("Message-ID digest"), max_length=64, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        ordering = ["due_on", "received_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(extension_months__lte=2), name="privacy_request_extension_max"
            ),
            models.UniqueConstraint(
                fields=["message_digest"],
                condition=~models.Q(message_digest=""),
                name="privacy_request_one_case_per_message",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def save(self, *args, **kwargs):
        self.due_on = self.compute_due()
        self.closed = self.is_closed
        super().save(*args, **kwargs)
        if not self.number:
            # Human-friendly and unique without a counter: the year of receipt and the row id.
            self.number = f"DS-{self.received_on.year}-{self.pk:04d}"
            type(self)._default_manager.filter(pk=self.pk).update(number=self.number)

    @property
    def received_on(self) -> date:
        return timezone.localtime(self.received_at).date()

    @property
    def first_deadline(self) -> date:
        """The deadline without an extension: an extension must be announced before it."""
        return response_due(self.received_on + timedelta(days=self.paused_days))

    def compute_due(self) -> date:
        # A paused clock resumes as if the request had arrived that many days later.
        return response_due(
            self.received_on + timedelta(days=self.paused_days),
            extension_months=self.extension_months,
        )

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    @property
    def extended(self) -> bool:
        return self.extension_months > 0

    def days_left(self, today: date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days
