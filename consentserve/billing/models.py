from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentserve.core.crypto import EncryptedCharField


class SepaMandate(models.Model):
    """The customer's SEPA direct-debit mandate: the policy's "Zahlungsinformationen" (B.3).

    Account holder, IBAN and BIC are encrypted at rest and shown masked (R-G-3).
    """

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="sepa_mandate"
    )
    account_holder = EncryptedCharField(_("account holder"))
    iban = EncryptedCharField(_("IBAN"))
    bic = EncryptedCharField(_("BIC"), blank=True)
    reference = models.CharField(_("mandate reference"), max_length=35, unique=True)
    signed_on = models.DateField(_("date of signature"), default=timezone.localdate)
    restricted = models.BooleanField(_("processing restricted"), default=False)

    class Meta:
        verbose_name = _("SEPA direct-debit mandate")
        verbose_name_plural = _("SEPA direct-debit mandates")

    def __str__(self) -> str:
        return self.reference

    @property
    def iban_masked(self) -> str:
        """Country, check digits and the last four characters: enough to recognise it."""
        compact = self.iban.replace(" ", "")
        return f"{compact[:4]} **** **** {compact[-4:]}" if len(compact) > 8 else "****"


class Plan(models.Model):
    """A price list entry: a monthly fee that includes some installations and consent decisions
    per month, and a price for every further 10,000 decisions begun. Amounts are net, in cents."""

    slug = models.SlugField(_("key"), unique=True)
    name = models.CharField(_("name"), max_length=50)  # a product name, the same in every language
    monthly_price_cents = models.PositiveIntegerField(_("monthly price (cents, net)"))
    included_installations = models.PositiveIntegerField(_("included installations"))
    included_consents = models.PositiveIntegerField(_("included consent decisions per month"))
    extra_10k_price_cents = models.PositiveIntegerField(
        _("price per further 10,000 decisions (cents, net)")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("available"), default=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """The organisation's contract for a plan. Which plan applies when is kept in PlanChange
    rows, each from the first day of a month: a change takes effect at the next month."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="subscription"
    )
    started_on = models.DateField(_("started on"))
    # The language of invoices and of the mails that carry them.
    language = models.CharField(
        _("invoice language"), max_length=2, choices=settings.LANGUAGES, default="de"
    )

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return str(self.organisation)


class PlanChange(models.Model):
    """The plan of a subscription from `effective_from` on (its start, or the first of a month)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="plan_changes"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(_("effective from"))
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)

    class Meta:
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        ordering = ["subscription", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "effective_from"], name="billing_one_plan_per_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} from {self.effective_from}"


class InvoiceImmutable(Exception):
    """An issued invoice or credit note cannot be changed or deleted (§ 14 UStG, § 146(4) AO):
    corrections are credit notes; deletion only once the statutory hold has ended."""


# Fields of an issued invoice that are not printed on it and may change: the link to the
# organisation (gone with the account), the address the mail went to (blanked on a hold),
# the Art. 18 flag, when it was mailed and when a run claimed its mail. `pdf` is written once,
# when it is first rendered.
INVOICE_MUTABLE_FIELDS = frozenset(
    {"organisation", "buyer_email", "restricted", "mailed_at", "mail_claimed_at"}
)


def _held_pks(model, pks) -> set[str]:
    # Imported when called: privacy's modules import their models, not loaded yet at this point.
    from consentserve.privacy.legal_holds import held_object_ids

    return held_object_ids(model, pks)


class InvoiceQuerySet(models.QuerySet):
    """No bulk path changes what an issued invoice says, or deletes one while it is held."""

    def update(self, **kwargs):
        if not set(kwargs) - {"pdf"} <= INVOICE_MUTABLE_FIELDS:
            raise InvoiceImmutable("issued invoices cannot be changed; issue a credit note")
        if "pdf" in kwargs:
            # Written once: the PDF as first rendered is the document that was sent.
            return super(InvoiceQuerySet, self.filter(pdf__isnull=True)).update(**kwargs)
        return super().update(**kwargs)

    def delete(self):
        pks = list(self.values_list("pk", flat=True))
        if _held_pks(self.model, pks):
            raise InvoiceImmutable("invoices under a statutory hold cannot be deleted")
        return super().delete()


class Invoice(models.Model):
    """An issued invoice or credit note: everything printed on it is copied here at issue, so
    it reads the same after the customer changed their address or deleted their account.
    Gap-free numbers per year come from InvoiceSequence (services.py)."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("invoice")
        CREDIT_NOTE = "credit_note", _("credit note")

    class VatCategory(models.TextChoices):
        STANDARD = "S", _("standard rate")
        REVERSE_CHARGE = "AE", _("reverse charge")

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("corrected invoice"),
    )
    # Not printed: goes when the account goes, the invoice stays (R-B3-5).
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_on = models.DateField(_("invoice date"))
    period_start = models.DateField(_("service period from"))
    period_end = models.DateField(_("service period to"))
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    seller_name = models.CharField(_("seller"), max_length=200)
    seller_street = models.CharField(_("seller street"), max_length=200)
    seller_postcode = models.CharField(_("seller postcode"), max_length=20)
    seller_city = models.CharField(_("seller city"), max_length=100)
    seller_country = models.CharField(_("seller country"), max_length=2)
    seller_vat_id = models.CharField(_("seller VAT ID"), max_length=20)
    buyer_name = models.CharField(_("buyer"), max_length=200)
    buyer_street = models.CharField(_("buyer street"), max_length=200)
    buyer_postcode = models.CharField(_("buyer postcode"), max_length=20)
    buyer_city = models.CharField(_("buyer city"), max_length=100)
    buyer_country = models.CharField(_("buyer country"), max_length=2)
    buyer_vat_id = models.CharField(_("buyer VAT ID"), max_length=20, blank=True)
    buyer_email = models.EmailField(_("sent to"), blank=True)
    plan_name = models.CharField(_("plan"), max_length=50, blank=True)
    usage_consents = models.PositiveIntegerField(_("consent decisions"), default=0)
    usage_installations = models.PositiveIntegerField(_("installations"), default=0)
    vat_category = models.CharField(_("VAT category"), max_length=2, choices=VatCategory.choices)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    net_cents = models.BigIntegerField(_("net amount (cents)"))
    vat_cents = models.BigIntegerField(_("VAT (cents)"))
    gross_cents = models.BigIntegerField(_("total (cents)"))
    mandate_reference = models.CharField(_("mandate reference"), max_length=35, blank=True)
    note = models.TextField(_("note"), blank=True)
    pdf = models.BinaryField(_("PDF"), null=True, blank=True, editable=False)
    mailed_at = models.DateTimeField(_("mailed"), null=True, blank=True)
    # Set by the one run that sends the mail (billing/mail.py), before it sends it.
    mail_claimed_at = models.DateTimeField(_("mail claimed"), null=True, blank=True, editable=False)
    restricted = models.BooleanField(_("processing restricted"), default=False)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # The monthly run issues one invoice per organisation and month, however often it runs.
            models.UniqueConstraint(
                fields=["organisation", "period_start"],
                condition=models.Q(kind="invoice"),
                name="billing_one_invoice_per_month",
            ),
            models.CheckConstraint(
                condition=models.Q(net_cents__gte=0, vat_cents__gte=0, gross_cents__gte=0),
                name="billing_invoice_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= INVOICE_MUTABLE_FIELDS:
                raise InvoiceImmutable("issued invoices cannot be changed; issue a credit note")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _held_pks(type(self), [self.pk]):
            raise InvoiceImmutable("invoices under a statutory hold cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE


class InvoiceLineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise InvoiceImmutable("lines of issued invoices cannot be changed")

    def delete(self):
        raise InvoiceImmutable("lines of issued invoices go only with their invoice")


class InvoiceLine(models.Model):
    """One line of an invoice, written with it in the same transaction and never changed."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("description"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price_cents = models.BigIntegerField(_("unit price (cents)"))
    net_cents = models.BigIntegerField(_("net amount (cents)"))

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit_price_cents__gte=0, net_cents__gte=0),
                name="billing_line_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} #{self.position}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise InvoiceImmutable("lines of issued invoices cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise InvoiceImmutable("lines of issued invoices go only with their invoice")


class InvoiceSequence(models.Model):
    """The last number issued in a year; its row is locked while a number is taken, in the
    transaction that writes the invoice, so numbers have no gaps and no duplicates."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("invoice number sequence")
        verbose_name_plural = _("invoice number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CollectionRun(models.Model):
    """One SEPA core direct-debit file (pain.008.001.02) handed to the bank. The file itself is
    not kept (it holds the debtors' IBANs in clear); what it collected is in its Collections."""

    message_id = models.CharField(_("message ID"), max_length=35, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    collection_date = models.DateField(_("collection date"))
    count = models.PositiveIntegerField(_("direct debits"))
    total_cents = models.BigIntegerField(_("total (cents)"))

    class Meta:
        verbose_name = _("collection run")
        verbose_name_plural = _("collection runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message_id


class Collection(models.Model):
    """The direct debit of one invoice in a collection run, and what became of it. Booking data
    of the invoice: held with it for the vouchers period."""

    class Status(models.TextChoices):
        PENDING = "pending", _("sent to the bank")
        RECEIVED = "received", _("received")
        RETURNED = "returned", _("returned")

    run = models.ForeignKey(CollectionRun, on_delete=models.PROTECT, related_name="collections")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="collections")
    mandate_reference = models.CharField(_("mandate reference"), max_length=35)
    sequence = models.CharField(_("sequence type"), max_length=4)  # FRST or RCUR
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    # Which account was debited, without keeping the IBAN a second time.
    iban_sha256 = models.CharField(_("SHA-256 of the IBAN"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    return_reason = models.CharField(_("return reason (ISO 20022 code)"), max_length=4, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    restricted = models.BooleanField(_("processing restricted"), default=False)

    class Meta:
        verbose_name = _("direct debit")
        verbose_name_plural = _("direct debits")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # An invoice is collected at most once at a time; a returned debit may be repeated.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=~models.Q(status="returned"),
                name="billing_one_open_collection_per_invoice",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="billing_collection_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} ({self.status})"
