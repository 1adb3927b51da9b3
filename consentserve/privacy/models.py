from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLogEntry(models.Model):
    """One request to the website or portal: exactly the fields of policy B.1 (R-B1-1)."""

    ip = models.GenericIPAddressField(_("IP address"), unpack_ipv4=True)
    captured_at = models.DateTimeField(_("date and time"), db_index=True)
    os = models.CharField(_("operating system"), max_length=100, blank=True)
    browser = models.CharField(_("browser"), max_length=100, blank=True)
    browser_version = models.CharField(_("browser version"), max_length=50, blank=True)
    referrer_url = models.CharField(_("referrer URL"), max_length=2048, blank=True)
    requested_url = models.CharField(_("requested URL"), max_length=2048)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-captured_at"]

    def __str__(self) -> str:
        return f"{self.captured_at:%Y-%m-%d %H:%M:%S} {self.requested_url}"


class LegalHoldQuerySet(models.QuerySet):
    def active(self, *, at=None):
        at = at or timezone.now()
        return self.filter(released_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=at)
        )

    def for_model(self, model: type[models.Model]):
        return self.filter(content_type=ContentType.objects.get_for_model(model))


class LegalHold(models.Model):
    """Keeps one stored record from retention until it expires or is released (R-E-3)."""

    class Kind(models.TextChoices):
        STATUTORY = "statutory", _("statutory retention (§ 257 HGB, § 147 AO)")
        LITIGATION = "litigation", _("litigation")
        AUTHORITY_ORDER = "authority_order", _("authority order")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reason = models.TextField(_("reason"))
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.content_type.model} {self.object_id}"


class RetentionRun(models.Model):
    """What one rule of the register did in one retention run."""

    run_id = models.UUIDField(db_index=True)
    activity = models.CharField(max_length=100)
    store = models.CharField(max_length=100)
    action = models.CharField(max_length=20)
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    due = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    anonymised = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    minimised = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.activity}/{self.store}"


class PolicyVersionQuerySet(models.QuerySet):
    # Bulk paths refuse too; migration 0002 adds database triggers for raw SQL.
    def update(self, **kwargs):
        raise PermissionError("published privacy-policy versions are immutable")

    def delete(self):
        raise PermissionError("published privacy-policy versions are immutable")


class PolicyVersion(models.Model):
    """A published privacy policy: immutable, dated and hashed (R-REG-4)."""

    number = models.PositiveIntegerField(unique=True)
    published_at = models.DateTimeField(default=timezone.now)
    effective_from = models.DateField()
    register_sha256 = models.CharField(max_length=64)
    content_sha256 = models.CharField(max_length=64)
    html_de = models.TextField()
    html_en = models.TextField()

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("privacy policy version")
        verbose_name_plural = _("privacy policy versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number} ({self.effective_from})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("published privacy-policy versions are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("published privacy-policy versions are immutable")

    def html(self, language: str) -> str:
        return self.html_de if language == "de" else self.html_en


class Objection(models.Model):
    """An objection under Art. 21 GDPR (R-F-21), from a signed-in user or by e-mail.

    An objection to direct marketing is absolute and granted when it arrives (Art. 21(3)); any
    other objection waits for staff to weigh compelling grounds (Art. 21(1)).
    """

    class Kind(models.TextChoices):
        DIRECT_MARKETING = "direct_marketing", _("direct marketing (Art. 21(2) GDPR)")
        PARTICULAR_SITUATION = (
            "particular_situation",
            _("grounds relating to my particular situation (Art. 21(1) GDPR)"),
        )

    class Decision(models.TextChoices):
        PENDING = "pending", _("pending")
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    activity = models.CharField(_("processing activity"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    reason = models.TextField(_("reason"), blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    grounds = models.TextField(_("grounds of the decision"), blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(email=""),
                name="objection_has_a_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity} {self.get_decision_display()}"


class Restriction(models.Model):
    """A restriction of processing the subject asked for (Art. 18, R-F-18).

    While it is active the subject's rows carry `restricted`; lifting it tells the subject first
    (Art. 18(3)), which `notice_sent_at` records.
    """

    class Reason(models.TextChoices):
        DISPUTED_ACCURACY = "disputed_accuracy", _("I dispute the accuracy of my data")
        UNLAWFUL = "unlawful", _("the processing is unlawful, but I do not want erasure")
        LEGAL_CLAIMS = "legal_claims", _("I need the data for legal claims")
        PENDING_OBJECTION = "pending_objection", _("my objection has not been decided yet")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    note = models.TextField(_("note"), blank=True)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    notice_sent_at = models.DateTimeField(_("lifting announced"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        verbose_name = _("restriction of processing")
        verbose_name_plural = _("restrictions of processing")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_active_restriction_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.requested_at:%Y-%m-%d})"


class DeferredErasure(models.Model):
    """A record whose erasure was requested while a legal hold kept it (R-B3-6).

    It names the record only by type and id. The retention run deletes the record as soon as
    no hold protects it any more, and this row with it.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("deferred erasure")
        verbose_name_plural = _("deferred erasures")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="one_deferred_erasure_per_record"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model} {self.object_id}"


# Privacy requests live in their own package; importing the model here registers it.
class Disclosure(models.Model):
    """One disclosure under a legal order (R-D-2, policy D.1): who ordered what on which basis,
    the legal review before anything left, what was released and whether the person concerned
    was told (or why not)."""

    authority = models.CharField(_("ordering authority"), max_length=300)
    reference = models.CharField(_("file number"), max_length=200, blank=True)
    legal_basis = models.CharField(_("legal basis of the order"), max_length=300)
    scope = models.TextField(_("scope of the order"))
    received_at = models.DateTimeField(_("order received"), default=timezone.now)
    review = models.TextField(
        _("legal review"), help_text=_("Why the order is lawful and binding, and what it covers.")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    data_released = models.TextField(
        _("data released"), help_text=_("Which records and fields were handed over; no copies.")
    )
    disclosed_at = models.DateTimeField(_("disclosed"), null=True, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("customer account concerned"),
    )
    subject_informed_at = models.DateTimeField(_("person informed"), null=True, blank=True)
    not_informed_because = models.TextField(
        _("not informed because"),
        blank=True,
        help_text=_("E.g. the order forbids notification (with the provision)."),
    )

    class Meta:
        verbose_name = _("disclosure under a legal order")
        verbose_name_plural = _("disclosures under legal orders")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.authority} {self.reference}".strip()


from .requests.models import PrivacyRequest  # noqa: E402, F401
