"""Scheduled privacy jobs. All schedules of the product live in the tasks modules of their app;
this one runs retention hourly, so nothing outlives its period by more than an hour (R-B1-2)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .retention import retention_run


@db_periodic_task(crontab(minute="7"))
def retention_hourly() -> int:
    return len(retention_run())
