"""Exactly one run per period of every periodic job, however many workers run.

Each `consentserve worker` schedules the periodic tasks itself (huey has no shared scheduler), so
with two workers every job is started twice. `once_per` makes the job claim its period first by
inserting a JobRun row under a unique key: the second worker's insert fails and it does nothing.
The claim lives in the database, which every worker shares on every machine, SQLite or
PostgreSQL, with or without Redis."""

import functools
import logging
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import JobRun

logger = logging.getLogger(__name__)

KEEP = timedelta(days=90)

# How a period is named: UTC, so that a change of daylight saving time neither skips nor
# repeats one.
_PERIOD_FORMATS = {"hour": "%Y-%m-%dT%H", "day": "%Y-%m-%d", "month": "%Y-%m"}


def period_of(every: str, at: datetime | None = None) -> str:
    return (at or timezone.now()).astimezone(UTC).strftime(_PERIOD_FORMATS[every])


def claim(job: str, period: str) -> JobRun | None:
    """The run of `job` for `period` if this caller is the first to claim it, else None."""
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job, period=period)
    except IntegrityError:
        return None


def finish(run: JobRun, *, failed: bool, result: str) -> None:
    outcome = JobRun.Outcome.FAILED if failed else JobRun.Outcome.DONE
    now = timezone.now()
    JobRun.objects.filter(pk=run.pk).update(outcome=outcome, finished_at=now, result=result[:100])
    # The claims of past periods are needed only to show recent runs.
    JobRun.objects.filter(job=run.job, started_at__lt=now - KEEP).delete()


def once_per(every: str, *, job: str | None = None):
    """Decorate a periodic job so that it runs at most once per `every` ("hour", "day",
    "month"). Returns None without running when another worker has the period already."""

    def decorate(function):
        name = job or f"{function.__module__}.{function.__name__}"

        @functools.wraps(function)
        def run_once(*args, **kwargs):
            from . import metrics  # the metrics import prometheus_client; jobs need not

            run = claim(name, period_of(every))
            if run is None:
                logger.info("job %s: this period ran elsewhere already", name)
                metrics.job_skipped(name)
                return None
            try:
                result = function(*args, **kwargs)
            except Exception as error:
                finish(run, failed=True, result=type(error).__name__)
                metrics.job_finished(name, failed=True)
                raise
            finish(run, failed=False, result=str(result))
            metrics.job_finished(name, failed=False)
            return result

        return run_once

    return decorate
