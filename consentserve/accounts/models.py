from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class UserManager(DjangoUserManager):
    """Users sign in with their e-mail address; there is no separate user name."""

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("an e-mail address is required")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: a customer's team member, or operator staff (is_staff)."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    # Art. 18: the person's data is only stored; every read path checks this flag (R-F-18).
    restricted = models.BooleanField(_("processing restricted"), default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Organisation(models.Model):
    """A customer: the company that holds the contract. Everything a customer owns hangs here."""

    name = models.CharField(_("company name"), max_length=200)
    street = models.CharField(_("street and number"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    country = CountryField(_("country"))
    vat_id = models.CharField(_("VAT ID"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    # The contract's end starts the 12 months after which registration data goes (R-B3-3).
    contract_ended_at = models.DateTimeField(_("contract ended"), null=True, blank=True)
    restricted = models.BooleanField(_("processing restricted"), default=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        ADMIN = "admin", _("admin")
        VIEWER = "viewer", _("viewer")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="one_membership_per_user"
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(role="owner"),
                name="one_owner_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class Invitation(models.Model):
    """An invitation by e-mail; only the SHA-256 of its token is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices)
    token_sha256 = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,  # the inviter may have left; the invitation stays valid
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} -> {self.organisation}"


class OptionalConsent(models.Model):
    """Consent to an optional extra (R-B3-8): unticked by default, withdrawn with one action."""

    class Purpose(models.TextChoices):
        NEWSLETTER = "newsletter", _("newsletter")
        PRODUCT_UPDATES = "product_updates", _("product updates by e-mail")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="optional_consents"
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("optional consent")
        verbose_name_plural = _("optional consents")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.purpose}"
