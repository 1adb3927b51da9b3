"""Scheduled privacy jobs. All schedules of the product live in the tasks modules of their app;
this one runs retention hourly, so nothing outlives its period by more than an hour (R-B1-2).
Each runs once per period however many workers start it (core.jobs.once_per)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from consentserve.core.jobs import once_per

from .requests.services import reminders_send
from .retention import retention_run


@db_periodic_task(crontab(minute="7"))
@once_per("hour")
def retention_hourly() -> int:
    from consentserve.core import metrics

    runs = retention_run()
    metrics.retention_counted(runs)
    return len(runs)


# Once a day, before office hours in Germany: staff learn of deadlines 3 working days ahead.
@db_periodic_task(crontab(hour="5", minute="30"))
@once_per("day")
def privacy_requests_remind() -> int:
    return reminders_send()
