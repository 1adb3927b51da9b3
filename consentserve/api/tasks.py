"""Background consent exports (export_jobs.py), run by the task queue."""

from huey.contrib.djhuey import db_task

from .export_jobs import export_run


@db_task()
def consent_export_task(job_id: str) -> None:
    export_run(job_id)
