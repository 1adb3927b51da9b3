import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .config import default_draft, draft_validate
from .domains import domain_pattern_clean
from .errors import PublishedVersionImmutable

# Consent records are kept this many years after the consent ended (T4: the limitation period
# of §§ 195, 199 BGB); the customer, as the controller, may choose within the bounds.
CONSENT_RETENTION_YEARS = 3
CONSENT_RETENTION_BOUNDS = (1, 10)
PUBLIC_KEY_BYTES = 12  # 16 URL-safe characters: short in the embed snippet, not guessable


def public_key_new() -> str:
    # A key that starts with "-" would read as an option on the command line
    # (`collector_rollups_rebuild --installation KEY`); one in 64 does, so draw again.
    while (key := secrets.token_urlsafe(PUBLIC_KEY_BYTES))[0] == "-":
        pass
    return key


class Installation(models.Model):
    """One website (or group of sites) of a customer with its own banner. The draft is what the
    customer edits; visitors only ever get a PublishedVersion."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="installations"
    )
    name = models.CharField(_("name"), max_length=200)
    # Appears in the embed snippet and every /c/ URL, so it is public by design.
    public_key = models.CharField(
        _("public key"), max_length=32, unique=True, default=public_key_new, editable=False
    )
    draft = models.JSONField(_("draft configuration"), default=default_draft)
    consent_retention_years = models.PositiveSmallIntegerField(
        _("years to keep consent records after the consent ended"),
        default=CONSENT_RETENTION_YEARS,
        validators=[
            MinValueValidator(CONSENT_RETENTION_BOUNDS[0]),
            MaxValueValidator(CONSENT_RETENTION_BOUNDS[1]),
        ],
    )
    # First-party analytics of the customer's website (consentserve/analytics), off until the
    # customer turns it on; the tracker then runs only after consent to statistics.
    analytics_enabled = models.BooleanField(_("website analytics"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("installation")
        verbose_name_plural = _("installations")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = draft_validate(self.draft)
        if problems:
            raise ValidationError({"draft": [str(problem) for problem in problems]})


class Domain(models.Model):
    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="domains")
    pattern = models.CharField(
        _("domain"),
        max_length=255,
        help_text=_("A host such as example.com, or *.example.com for all its subdomains."),
    )

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["pattern"]
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "pattern"], name="installations_domain_unique"
            )
        ]

    def __str__(self) -> str:
        return self.pattern

    def clean(self) -> None:
        try:
            self.pattern = domain_pattern_clean(self.pattern)
        except ValidationError as error:
            raise ValidationError({"pattern": error.messages}) from error


class PublishedVersionQuerySet(models.QuerySet):
    """Consent records point at a version as proof of what the visitor saw (T4), so no bulk
    path may change or remove one."""

    def update(self, **kwargs):
        raise PublishedVersionImmutable("published versions cannot be changed")

    def delete(self):
        raise PublishedVersionImmutable("published versions cannot be deleted")


class PublishedVersion(models.Model):
    # PROTECT: an installation with published versions is evidence and is not deleted in passing.
    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    config = models.JSONField(_("configuration"))

    objects = PublishedVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")
        ordering = ["installation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "number"], name="installations_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.installation} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PublishedVersionImmutable("published versions cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PublishedVersionImmutable("published versions cannot be deleted")
