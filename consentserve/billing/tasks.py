"""Scheduled billing jobs. The monthly invoices are issued early each day for the month before:
on the 1st for all, and on later days for anyone a failed run left out (the run is idempotent)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from consentserve.core.jobs import once_per

from .runs import invoices_run


@db_periodic_task(crontab(hour="4", minute="15"))
@once_per("day")
def invoices_monthly() -> int:
    return len(invoices_run())
