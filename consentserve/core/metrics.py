"""Prometheus metrics (prometheus-client in multi-process mode) and the `/metrics` answer.

Every process of a machine (each `serve` worker, each `consentserve worker`) writes its samples
to files under PROMETHEUS_MULTIPROC_DIR (set in settings, emptied by `serve` before it starts);
`/metrics` adds them up. Labels are bounded sets (app, status code, writer, job name, retention
action): never a path, a key or anything of a person."""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter(
    "consentserve_requests_total",
    "HTTP responses by the part of the application that answered and their status code.",
    ["app", "code"],
)
REQUEST_SECONDS = Histogram(
    "consentserve_request_seconds",
    "Time from a request's start to its response's start.",
    ["app"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
QUEUE_DEPTH = Gauge(
    "consentserve_writer_queue_depth",
    "Items waiting for a group commit, per writer, after its last commit (sum of processes).",
    ["writer"],
    multiprocess_mode="livesum",
)
GROUP_SIZE = Histogram(
    "consentserve_writer_group_size",
    "Items committed in one transaction, per writer.",
    ["writer"],
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000),
)
COMMIT_SECONDS = Histogram(
    "consentserve_writer_commit_seconds",
    "Time one group commit took, per writer.",
    ["writer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
ACCESS_LOG_DROPPED = Counter(
    "consentserve_access_log_dropped_total",
    "Access-log entries dropped because the queue was full.",
)
JOBS = Counter(
    "consentserve_job_runs_total",
    "Periodic job runs by outcome (done, failed, skipped: another worker had the period).",
    ["job", "outcome"],
)
RETENTION = Counter(
    "consentserve_retention_rows_total",
    "Rows the retention runs deleted, anonymised, minimised or kept under a hold.",
    ["action"],
)


def request_done(app: str, code: int, seconds: float) -> None:
    REQUESTS.labels(app, str(code)).inc()
    REQUEST_SECONDS.labels(app).observe(seconds)


def group_written(writer: str, size: int, seconds: float, waiting: int) -> None:
    GROUP_SIZE.labels(writer).observe(size)
    COMMIT_SECONDS.labels(writer).observe(seconds)
    QUEUE_DEPTH.labels(writer).set(waiting)


def access_log_dropped() -> None:
    ACCESS_LOG_DROPPED.inc()


def job_finished(job: str, *, failed: bool) -> None:
    JOBS.labels(job, "failed" if failed else "done").inc()


def job_skipped(job: str) -> None:
    JOBS.labels(job, "skipped").inc()


def retention_counted(runs) -> None:
    for action in ("deleted", "anonymised", "minimised", "held"):
        total = sum(getattr(run, action) for run in runs if not run.dry_run)
        if total:
            RETENTION.labels(action).inc(total)


class JobsFromDatabase:
    """Periodic jobs as the database records them (core.JobRun), the same on every machine
    whichever worker ran them: runs of the last 90 days by outcome, and when each job last
    succeeded (alert when that is older than its period)."""

    def collect(self):
        from django.db.models import Count, Max

        from .models import JobRun

        runs = GaugeMetricFamily(
            "consentserve_job_period_runs",
            "Periods of each job in the last 90 days by outcome (running, done, failed).",
            labels=["job", "outcome"],
        )
        last = GaugeMetricFamily(
            "consentserve_job_last_success_timestamp_seconds",
            "When each periodic job last finished without error.",
            labels=["job"],
        )
        rows = JobRun.objects.values("job", "outcome").annotate(
            n=Count("id"), at=Max("finished_at")
        )
        for row in rows:
            runs.add_metric([row["job"], row["outcome"]], row["n"])
            if row["outcome"] == JobRun.Outcome.DONE and row["at"] is not None:
                last.add_metric([row["job"]], row["at"].timestamp())
        yield runs
        yield last


def exposition() -> tuple[bytes, str]:
    """The text of `/metrics`: every process's samples of this machine added up, and the job
    runs from the database. Runs in a thread: it reads files and the database."""
    from django.db import connections

    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry  # noqa: N811 - one process
    try:
        text = generate_latest(registry)
        text += generate_latest(_JobsRegistry())
    finally:
        connections.close_all()
    return text, CONTENT_TYPE_LATEST


class _JobsRegistry:
    def collect(self):
        return JobsFromDatabase().collect()
