"""Analytics benchmark (make bench-analytics), with the collector benchmark's helpers:

ingest     `POST /a/<key>/event` under wrk: the server pinned to core 0 (`taskset -c 0`, one
           uvicorn worker), wrk to core 1; stored events per second (each 204 only after its
           group's commit), server CPU per event and what one whole core could do, on SQLite
           and, with DATABASE_URL (bench/collector/with-durable-postgres), on PostgreSQL
dashboard  the back office's dashboard over one year of a site with 10,000 page views a day:
           365 days of roll-ups generated directly, raw events for the last 3 days; median
           and worst response time of the whole page (Django test client, a staff login) for
           the last 365 and the last 30 days

Usage: python bench/analytics/run.py [ingest|dashboard ...] [--seconds S] [--connections C]
Results are printed and written to bench/results/analytics.md.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from bench.collector.run import (  # noqa: E402 - the collector benchmark's helpers
    BIN,
    ORIGIN,
    RESULTS,
    _cpu_seconds,
    _env,
    _free_port,
    _serve,
    _stop,
    _wrk,
)

HOST = ORIGIN.split("//", 1)[1]
BODY = json.dumps(
    {"type": "pageview", "path": "/produkte/", "referrer": "", "screen": "l", "language": "de"}
)
# One year of roll-ups and three days of events for a site with 10,000 page views a day, made
# in the server's database by `consentserve manage shell`; then the dashboard timed.
DASHBOARD = """
import json, random, statistics, time
from datetime import UTC, datetime, timedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from consentserve.analytics.models import AnalyticsDaily, AnalyticsEvent
from consentserve.installations.models import Installation

VIEWS = 10_000
rng = random.Random(7)
site = Installation.objects.get(public_key=settings.CONSENTSERVE_OPERATOR_INSTALLATION)
today = datetime.now(UTC).date()
pages = [f"/de/seite-{n}/" for n in range(200)]
dims = {
    "referrer": [f"site{n}.example.org" for n in range(50)] + [""],
    "browser": ["Chrome", "Firefox", "Safari", "Edge", "Mobile Safari", "Chrome Mobile", "Opera"],
    "os": ["Windows", "Mac OS X", "Linux", "iOS", "Android"],
    "device": ["desktop", "mobile", "tablet", "other"],
    "screen": ["s", "m", "l", "xl"],
    "language": ["de", "en", "fr", "nl", "pl", "it", "es"],
}
rows = []
for age in range(365):
    day = today - timedelta(days=age)
    visits = VIEWS // 3
    rows.append(AnalyticsDaily(installation=site, day=day, dimension="total", value="",
                               views=VIEWS, visits=visits, visitors=visits * 4 // 5,
                               exits=visits))
    for page in pages:
        rows.append(AnalyticsDaily(installation=site, day=day, dimension="page", value=page,
                                   views=rng.randint(10, 90), visits=rng.randint(0, 30),
                                   exits=rng.randint(0, 30)))
    for dimension, values in dims.items():
        for value in values:
            n = rng.randint(10, VIEWS // len(values))
            rows.append(AnalyticsDaily(installation=site, day=day, dimension=dimension,
                                       value=value, views=n, visits=n // 3, visitors=n // 4))
started = time.perf_counter()
AnalyticsDaily.objects.bulk_create(rows, batch_size=5000)
made = time.perf_counter() - started
events = []
now = datetime.now(UTC)
for n in range(3 * VIEWS):
    events.append(AnalyticsEvent(installation=site, created_at=now - timedelta(seconds=n * 26),
                                 visitor=f"{rng.getrandbits(64):016x}", kind="pageview",
                                 path=rng.choice(pages), screen="l", language="de",
                                 browser="Firefox", os="Linux", device="desktop"))
AnalyticsEvent.objects.bulk_create(events, batch_size=5000)
staff = get_user_model().objects.create_superuser(email="bench@example.com", password="x")
client = Client()
client.force_login(staff)
result = {"rollup_rows": AnalyticsDaily.objects.count(), "events": AnalyticsEvent.objects.count(),
          "made_s": made}
for period in (365, 30):
    times = []
    for _ in range(12):
        started = time.perf_counter()
        response = client.get("/backoffice/analytics/", {"period": period}, secure=True,
                              HTTP_HOST="localhost")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    times = times[2:]  # the first two warm caches
    result[period] = {"median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000,
                      "bytes": len(response.content)}
print(json.dumps(result))
"""


def _prepare(env: dict) -> str:
    subprocess.run([BIN / "consentserve", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [BIN / "consentserve", "manage", "installations_operator_banner"],
        env=env,
        check=True,
        capture_output=True,
    )
    return "consentserve"


def _events(env: dict) -> int:
    url = env.get("DATABASE_URL")
    sql = "SELECT count(*) FROM analytics_analyticsevent"
    if url:
        import psycopg

        with psycopg.connect(url) as db:
            return db.execute(sql).fetchone()[0]
    with closing(sqlite3.connect(Path(env["CONSENTSERVE_VAR_DIR"]) / "consentserve.sqlite3")) as db:
        return db.execute(sql).fetchone()[0]


def _server_env(var_dir: Path, database_url: str | None) -> dict:
    return _env(
        var_dir,
        database_url,
        DJANGO_ALLOWED_HOSTS=f"127.0.0.1,localhost,{HOST}",
        CONSENTSERVE_ANALYTICS_RATE="0",  # one client address: no rate limit
    )


def bench_ingest(tmp: Path, args) -> list[str]:
    lines = [
        f"### Ingest: server on core 0, wrk on core 1, {args.connections} connections, best of "
        f"{args.rounds} rounds of {args.seconds} s",
        "",
        "| database | stored events/s | p50 ms | p99 ms | server CPU µs/event "
        "| 1 core's worth/s | events stored | non-204 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    databases = [("SQLite", None)]
    if os.environ.get("DATABASE_URL"):
        databases.append(("PostgreSQL", os.environ["DATABASE_URL"]))
    for name, url in databases:
        env = _server_env(tmp / f"ingest-{name}", url)
        key = _prepare(env)
        path = f"/a/{key}/event"
        best = None
        for n in range(args.rounds):
            port = _free_port()
            proc = _serve(env, "config.asgi:application", port)
            try:
                _wrk(port, path, BODY, seconds=1, connections=args.connections, prefix=f"w{n}")
                before, cpu = _events(env), _cpu_seconds(proc.pid)
                run = _wrk(port, path, BODY, seconds=args.seconds, connections=args.connections)
                run["cpu_us"] = (_cpu_seconds(proc.pid) - cpu) * 1e6 / max(1, run["requests"])
                run["stored"] = _events(env) - before
            finally:
                _stop(proc)
            if best is None or run["rate"] > best["rate"]:
                best = run
        lines.append(
            f"| {name} | {best['rate']:,.0f} | {best['p50']:.2f} | {best['p99']:.2f} "
            f"| {best['cpu_us']:.0f} | {1e6 / best['cpu_us']:,.0f} | {best['stored']:,} "
            f"| {best['requests'] - best['ok']} |"
        )
    return [*lines, ""]


def bench_dashboard(tmp: Path) -> list[str]:
    env = _server_env(tmp / "dashboard", None)
    _prepare(env)
    subprocess.run(  # production mode: the pages need the static files' manifest
        [BIN / "consentserve", "manage", "collectstatic", "--noinput"],
        env=env,
        check=True,
        capture_output=True,
    )
    made = subprocess.run(
        [BIN / "consentserve", "manage", "shell", "-c", DASHBOARD],
        env=env,
        capture_output=True,
        text=True,
    )
    if made.returncode:
        raise RuntimeError(made.stderr[-3000:])
    out = made.stdout
    result = json.loads(out.strip().splitlines()[-1])
    lines = [
        f"### Dashboard (SQLite): {result['rollup_rows']:,} roll-up rows for 365 days of "
        f"10,000 page views a day, {result['events']:,} raw events of the last 3 days; "
        "whole page with the Django test client, median and worst of 10 after 2 warm-ups",
        "",
        "| period | median ms | worst ms | page size |",
        "|---|---|---|---|",
    ]
    for period in ("365", "30"):
        r = result[period]
        lines.append(
            f"| last {period} days | {r['median_ms']:.0f} | {r['max_ms']:.0f} "
            f"| {r['bytes'] / 1024:.0f} KiB |"
        )
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", nargs="*", default=["ingest", "dashboard"])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    load = Path("/proc/loadavg").read_text().split()[:3]
    lines = [
        f"## Analytics, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load average {' '.join(load)} at the start",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        if "ingest" in args.which:
            lines += bench_ingest(Path(tmp), args)
        if "dashboard" in args.which:
            lines += bench_dashboard(Path(tmp))
    lines.append(
        f"Load average at the end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
    )
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "analytics.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
