"""Probes and telemetry (issue 17): /healthz answers without the database, /readyz checks the
database, the cache, the migrations and the writers, /metrics counts requests, refusals, writer
groups, access-log drops and jobs; every response carries a request ID that the JSON log lines
of the request carry too; error reports hold no personal data; static files are collected once,
not at every start."""

import asyncio
import http.client
import json
import logging
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from test_collector_ingest import run

from config.asgi import application
from consentserve.collector.testing import Response
from consentserve.core import metrics, probes
from consentserve.core.errors import _scrub
from consentserve.core.logs import JsonFormatter, RequestIdFilter, request_id
from consentserve.core.static import static_collect_if_stale
from consentserve.privacy import access_log

LOOPBACK = ("127.0.0.1", 40000)
# A global address (the documentation ranges count as private to Python's ipaddress).
PUBLIC = ("93.184.216.34", 40000)


def get(path: str, *, client=("203.0.113.7", 51000), headers=None):
    """One GET through the whole ASGI application. Unlike asgi_request's client this one stays
    connected after the request, as Django ends a response whose client has gone."""

    async def request():
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1")]
            + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "client": client,
            "server": ("127.0.0.1", 8000),
        }
        sent, received = [], []

        async def receive():
            if not received:
                received.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(3600)  # cancelled once the response is complete
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        await application(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        names = {k.decode(): v.decode() for k, v in start["headers"]}
        return Response(start["status"], names, body)

    return run(request())


def test_healthz_answers_without_the_database(django_assert_num_queries):
    # No django_db mark: any query would fail the test.
    response = get("/healthz")
    assert (response.status, response.body) == (200, b"ok\n")


@pytest.mark.django_db(transaction=True)
def test_readyz_checks_database_cache_migrations_and_writers():
    response = get("/readyz")
    assert response.status == 200
    assert response.json() == {
        "ready": True,
        "database": "ok",
        "migrations": "ok",
        "cache": "ok",
        "writers": "ok",
    }


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_while_a_migration_is_not_applied(monkeypatch):
    recorder = MigrationRecorder(connection)
    applied = recorder.migration_qs.get(app="core", name="0002_periodic_job_runs")
    applied.delete()
    monkeypatch.setattr(probes, "_migrated", False)
    try:
        response = get("/readyz")
    finally:
        recorder.record_applied("core", "0002_periodic_job_runs")
    assert response.status == 503
    assert response.json()["migrations"] == "1 not applied"
    assert response.json()["ready"] is False


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_when_the_cache_is_gone():
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=unreachable):
        response = get("/readyz")
    assert response.status == 503
    assert response.json()["cache"].startswith("failed (")


def _sample(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{wanted}}} " if labels else f"{name} "
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.split()[-1])
    return 0.0


@pytest.mark.django_db(transaction=True)
def test_metrics_count_requests_by_part_and_status():
    before = get("/metrics", client=LOOPBACK).body.decode()
    assert get("/c/abcdefgh12345678.js").status == 404
    assert get("/healthz").status == 200  # the probes themselves are not counted
    response = get("/metrics", client=LOOPBACK)
    assert response.status == 200
    text = response.body.decode()
    assert _sample(text, "consentserve_requests_total", app="loader", code="404") == (
        _sample(before, "consentserve_requests_total", app="loader", code="404") + 1
    )
    assert "consentserve_request_seconds_bucket" in text
    assert "abcdefgh12345678" not in text  # labels name the part, never the path


@pytest.mark.django_db(transaction=True)
def test_metrics_show_jobs_as_the_database_records_them():
    from consentserve.privacy.tasks import retention_hourly

    retention_hourly.call_local()
    text = get("/metrics", client=LOOPBACK).body.decode()
    job = "consentserve.privacy.tasks.retention_hourly"
    assert _sample(text, "consentserve_job_period_runs", job=job, outcome="done") == 1
    assert _sample(text, "consentserve_job_last_success_timestamp_seconds", job=job) > 0
    assert _sample(text, "consentserve_job_runs_total", job=job, outcome="done") >= 1


def test_metrics_count_writer_groups_and_access_log_drops():
    before = metrics.GROUP_SIZE.labels("consent-writer")._sum.get()
    metrics.group_written("consent-writer", 7, 0.002, 3)
    assert metrics.GROUP_SIZE.labels("consent-writer")._sum.get() == before + 7
    assert metrics.QUEUE_DEPTH.labels("consent-writer")._value.get() == 3
    dropped = metrics.ACCESS_LOG_DROPPED._value.get()
    with override_settings(CONSENTSERVE_ACCESS_LOG="manual"):
        for _ in range(access_log._queue.maxsize + 1):
            access_log.record(None)
    assert metrics.ACCESS_LOG_DROPPED._value.get() == dropped + 1
    access_log.flush_discard()


@pytest.mark.django_db(transaction=True)
def test_metrics_are_refused_to_public_addresses_unless_the_token_is_sent():
    assert get("/metrics", client=PUBLIC).status == 403
    with override_settings(CONSENTSERVE_METRICS_TOKEN="t" * 32):
        assert get("/metrics", client=LOOPBACK).status == 403
        token = {"Authorization": "Bearer " + "t" * 32}
        assert get("/metrics", client=PUBLIC, headers=token).status == 200


@pytest.mark.django_db(transaction=True)
def test_every_response_carries_a_request_id():
    response = get("/c/abcdefgh12345678.js")
    assert len(response.headers["x-request-id"]) == 32
    given = get("/c/abcdefgh12345678.js", headers={"X-Request-ID": "proxy-0123456789"})
    assert given.headers["x-request-id"] == "proxy-0123456789"
    # A header that could carry anything is replaced, not logged.
    odd = get("/c/abcdefgh12345678.js", headers={"X-Request-ID": "erika@beispiel.example"})
    assert odd.headers["x-request-id"] != "erika@beispiel.example"


def test_json_log_lines_carry_the_request_id_and_no_exception_text():
    token = request_id.set("req-12345678")
    try:
        try:
            raise ValueError("erika@beispiel.example is not valid")
        except ValueError:
            record = logging.LogRecord(
                "consentserve.test",
                logging.ERROR,
                __file__,
                1,
                "invoice %s failed",
                (7,),
                sys.exc_info(),
            )
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["message"] == "invoice 7 failed"
    assert line["request_id"] == "req-12345678"
    assert line["exception"] == "ValueError"
    assert "erika" not in json.dumps(line)
    assert line["stack"]


def test_error_reports_hold_no_personal_data():
    event = {
        "request": {
            "method": "POST",
            "url": "https://consentserve.example/en/account/login/?email=erika@beispiel.example",
            "headers": {"Cookie": "sessionid=abc", "X-Forwarded-For": "203.0.113.9"},
            "data": {"login": "erika@beispiel.example"},
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "user": {"ip_address": "203.0.113.9"},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "erika@beispiel.example",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"email": "erika"}}]},
                }
            ]
        },
    }
    scrubbed = json.dumps(_scrub(event, None))
    assert "erika" not in scrubbed
    assert "203.0.113.9" not in scrubbed
    assert "sessionid" not in scrubbed
    assert '"type": "ValueError"' in scrubbed


def test_static_files_are_collected_once_not_at_every_start(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path / "static"):
        assert static_collect_if_stale() is True
        assert (tmp_path / "static" / "admin").is_dir()
        assert static_collect_if_stale() is False  # the next start: nothing to do
        (tmp_path / "static" / ".collected").write_text("an older release")
        assert static_collect_if_stale() is True


def _fetch(port: int, path: str, host: str = "127.0.0.1") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _output(server) -> list[str]:
    server.proc.terminate()
    server.proc.wait(timeout=20)
    lines = server.proc.stdout.read().decode().splitlines()
    server.stop()
    return lines


def test_a_running_instance_answers_the_probes_and_logs_json(tmp_path):
    """The real server in production mode, installed as docs/operations.md says (static files
    collected once, then started): the probes by address over plain HTTP (before the Host
    check and the HTTPS redirect), metrics of both worker processes added up, JSON log lines,
    and no collecting at the start."""
    from test_serve import BIN, Server, _env

    collect = subprocess.run(
        [BIN / "consentserve", "collectstatic"], env=_env(tmp_path), capture_output=True
    )
    assert collect.returncode == 0, collect.stderr
    server = Server(tmp_path, "--workers", "2")
    try:
        assert _fetch(server.port, "/healthz") == (200, b"ok\n")
        status, body = _fetch(server.port, "/readyz", host="10.0.0.5:8000")
        assert (status, json.loads(body)["ready"]) == (200, True)
        for _ in range(6):
            _fetch(server.port, "/c/abcdefgh12345678.js")
        status, body = _fetch(server.port, "/metrics")
        assert status == 200
        # Over plain HTTP in production every page redirects (301), on whichever worker.
        assert _sample(body.decode(), "consentserve_requests_total", app="loader", code="301") == 6
    finally:
        lines = _output(server)
    assert not any("collecting" in line for line in lines)
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)


def test_with_a_sentry_dsn_errors_are_reported_without_personal_data(tmp_path):
    from test_shared_state import GOOD

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            **GOOD,
            "CONSENTSERVE_VAR_DIR": str(tmp_path),
            "CONSENTSERVE_SENTRY_DSN": "http://public@127.0.0.1:9/1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    show = (
        "import django; django.setup(); import sentry_sdk; o = sentry_sdk.get_client().options;"
        "print(o['send_default_pii'], o['include_local_variables'], o['before_send'] is not None)"
    )
    result = subprocess.run(
        [sys.executable, "-c", show], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True"]
