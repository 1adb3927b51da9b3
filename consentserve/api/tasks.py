"""Background consent exports (export_jobs.py), run by the task queue, and the sweep for jobs
whose worker died."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .export_jobs import export_run, exports_sweep


@db_task()
def consent_export_task(job_id: str) -> None:
    export_run(job_id)


@db_periodic_task(crontab(minute="*/10"))
def consent_exports_sweep() -> int:
    return exports_sweep()
