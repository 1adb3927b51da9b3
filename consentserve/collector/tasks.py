"""Scheduled collector jobs: the consent records' partitions for the coming months exist before
their first row arrives (partitions.py; rows of a month without one wait in DEFAULT)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from consentserve.core.jobs import once_per

from .partitions import partitions_ensure


@db_periodic_task(crontab(hour="3", minute="17"))
@once_per("day")
def partitions_daily() -> int:
    return len(partitions_ensure())
