"""Scheduled privacy jobs. All schedules of the product live in the tasks modules of their app;
this one runs retention hourly, so nothing outlives its period by more than an hour (R-B1-2)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .requests.services import reminders_send
from .retention import retention_run


@db_periodic_task(crontab(minute="7"))
def retention_hourly() -> int:
    return len(retention_run())


# Once a day, before office hours in Germany: staff learn of deadlines 3 working days ahead.
@db_periodic_task(crontab(hour="5", minute="30"))
def privacy_requests_remind() -> int:
    return reminders_send()
