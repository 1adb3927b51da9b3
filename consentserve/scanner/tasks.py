"""The worker's scan jobs: one scan per task, and the hourly look at the schedules."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from consentserve.core.jobs import once_per

from . import services


@db_task()
def scan_task(scan_id: int) -> None:
    services.scan_execute(scan_id)


@db_periodic_task(crontab(minute="41"))
@once_per("hour")
def scan_schedules_hourly() -> int:
    return len(services.schedules_run())
