"""Page views of websites whose visitors consented to statistics, and their daily roll-ups.

No IP address, no user agent and no identifier from the browser is stored: an event holds the
visitor's keyed hash of the day (visitors.py), which nobody can recompute once the day's salt
is deleted, and what the tracker sends (path, referrer host, screen class, language) plus the
browser and OS family and the device class. Events are kept as long as the register says
(activity first-party-analytics); the roll-ups hold counts only and stay."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AnalyticsEvent(models.Model):
    class Kind(models.TextChoices):
        PAGEVIEW = "pageview", _("page view")
        EXIT = "exit", _("exit")

    # Keyed by installation: the operator's own site is the operator installation
    # (settings.CONSENTSERVE_OPERATOR_INSTALLATION), customers' sites are theirs.
    installation = models.ForeignKey(
        "installations.Installation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("time"), db_index=True)
    visitor = models.CharField(_("visitor hash of the day"), max_length=16)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    path = models.CharField(_("path"), max_length=255)
    referrer = models.CharField(_("referring host"), max_length=253, blank=True)
    screen = models.CharField(_("screen size class"), max_length=2, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    browser = models.CharField(_("browser family"), max_length=100, blank=True)
    os = models.CharField(_("operating system family"), max_length=100, blank=True)
    device = models.CharField(_("device class"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("analytics event")
        verbose_name_plural = _("analytics events")
        # Only `created_at` is indexed (retention, rebuild): the writer reads a visitor's last
        # event from AnalyticsVisitor, so each insert updates as few indexes as possible.

    def __str__(self):
        return f"{self.kind} {self.path}"


class AnalyticsDaily(models.Model):
    """Counts per UTC day, installation and value of one dimension ("total" has the value "").

    `views`: page views; `visits`: visits that started with such a page view (for "page" the
    entries, for "referrer" the visits it referred); `visitors`: distinct visitors of the day;
    `exits`: visits that ended on the page ("page" and "total" only)."""

    installation = models.ForeignKey(
        "installations.Installation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    dimension = models.CharField(max_length=16)
    value = models.CharField(max_length=255, blank=True)
    views = models.IntegerField(default=0)
    visits = models.IntegerField(default=0)
    visitors = models.IntegerField(default=0)
    exits = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("page statistics")
        verbose_name_plural = _("page statistics")
        # The dashboard reads one dimension of a site over a period.
        indexes = [
            models.Index(fields=["installation", "dimension", "day"], name="analytics_daily_read")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "day", "dimension", "value"], name="analytics_daily_once"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.dimension} {self.value}"


class AnalyticsVisitor(models.Model):
    """A visitor's last event of the day, so the writer tells a new visit, and an exit taken
    back, with one indexed read per group however many events the visitor had. Rows of past
    days are deleted with their salt (visitors.py)."""

    installation = models.ForeignKey(
        "installations.Installation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    visitor = models.CharField(max_length=16)
    last_at = models.DateTimeField()
    last_kind = models.CharField(max_length=8)
    last_path = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "visitor"], name="analytics_visitor_once"
            )
        ]

    def __str__(self):
        return self.visitor


class AnalyticsSalt(models.Model):
    """The random key of the visitor hashes of one UTC day; older days' keys are deleted as
    soon as a new day's is made, so no hash can be recomputed afterwards."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    def __str__(self):
        return str(self.day)
