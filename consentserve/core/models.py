"""The core app's one table: which periodic job ran for which period (core/jobs.py)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """One periodic job's run for one period. The unique key is the claim: however many workers
    start the job for a period, only the one whose row goes in runs it."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    job = models.CharField(_("job"), max_length=100)
    period = models.CharField(_("period"), max_length=20)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.RUNNING
    )
    # What the job returned (a count), or the type of the error that ended it (never its text,
    # which could hold personal data).
    result = models.CharField(_("result"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="core_one_run_per_job_period")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"
