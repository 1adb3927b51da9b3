"""Collector benchmark (make bench-collector): durable consents per second and latency of
`POST /c/<key>/consent`, the server pinned to core 0 (`taskset -c 0`, one uvicorn worker) and
wrk pinned to core 1, all modes in the same run:

dry       (a) the baseline: the same server and collector with every check, answering 204
          without storing anything (its writer completes every request at once)
raw       a bare ASGI app under uvicorn that reads the body and answers 204 with no checks at
          all: an extra lower bound, the server's own ceiling for this request
minimal   (b) the baseline: a minimal Django view, one ORM insert per consent on SQLite, no
          middleware (bench/collector/minimal_settings.py)
plain     a plain Django view behind the product's whole middleware stack, one ORM insert per
          consent: what the same view costs inside this product, a row of its own
sqlite    (c) the collector, group commit on SQLite (WAL, the writer's commits synchronous=FULL)
sqlite-normal  the same with synchronous=NORMAL (durable when the process dies, not on power loss)
postgres  (d) the collector, group commit on PostgreSQL (needs DATABASE_URL, e.g. through
          bench/collector/with-durable-postgres, a cluster with fsync on; skipped without it)

For the collector modes a second run paces every connection to about half the maximum rate
and reports the latency there. Durable consents/s counts 204 answers, each only given after
its commit; the stored rows are counted afterwards as a cross-check.

Usage: python bench/collector/run.py [MODE ...] [--seconds S] [--connections C] [--rounds R]
       [--set NAME=VALUE ...]   (an environment variable for every server, to try a setting)
       [--trace]   (the collector modes' writer and garbage collector timed: trace_app.py)
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
ORIGIN = "https://shop.example.com"
MODES = ("dry", "raw", "minimal", "plain", "sqlite", "sqlite-normal", "postgres")
STORING = ("minimal", "plain", "sqlite", "sqlite-normal", "postgres")
COLLECTOR = ("sqlite", "sqlite-normal", "postgres")
SETUP = """
import json
from consentserve.accounts.models import Organisation
from consentserve.installations.catalog import catalog_get, catalog_service_to_config
from consentserve.installations.config import default_draft
from consentserve.installations.models import Domain, Installation
from consentserve.installations.services import publish_by_operator
draft = default_draft()
for lang, texts in draft["texts"].items():
    texts["privacy_url"] = f"https://shop.example.com/{lang}/privacy"
    texts["imprint_url"] = f"https://shop.example.com/{lang}/imprint"
catalog = catalog_get()
draft["services"] = [catalog_service_to_config(catalog.get(s)) for s in ("youtube", "cloudflare")]
org = Organisation.objects.create(
    name="Bench GmbH", street="Weg 1", postcode="10115", city="Berlin", country="DE"
)
installation = Installation.objects.create(organisation=org, name="Shop", draft=draft)
Domain.objects.create(installation=installation, pattern="shop.example.com")
version = publish_by_operator(installation)
print(json.dumps({"key": installation.public_key, "config": version.config}))
"""
# The dry mode: the collector's app with a writer that completes every future at once.
DRY_APP = """
import asyncio
from config.asgi import application
from consentserve.collector import asgi, writer

class _DryWriter:
    def submit(self, row):
        future = asyncio.get_running_loop().create_future()
        future.set_result(writer.STORED)
        return future

asgi.writer_get = lambda: _DryWriter()
"""


def _env(var_dir: Path, database_url: str | None, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(
        CONSENTSERVE_ENV="production",
        DJANGO_SECRET_KEY="bench-" + "s" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        CONSENTSERVE_ENCRYPTION_KEYS="PpGVURvaManOf_KIYNjcYyyLUlSStFn6CEO7bkJCHQY=",
        CONSENTSERVE_TLS="0",
        CONSENTSERVE_VAR_DIR=str(var_dir),
        CONSENTSERVE_ACCESS_LOG="off",
        CONSENTSERVE_COLLECTOR_RATE="0",  # one client address: no rate limit
        CONSENTSERVE_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def _prepare(env: dict) -> tuple[str, dict]:
    subprocess.run([BIN / "consentserve", "migrate"], env=env, check=True, capture_output=True)
    made = subprocess.run(
        [BIN / "consentserve", "manage", "shell", "-c", SETUP],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    published = json.loads(made.stdout.strip().splitlines()[-1])
    return published["key"], published["config"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(env: dict, app: str, port: int) -> subprocess.Popen:
    command = [
        "taskset",
        "-c",
        "0",
        BIN / "uvicorn",
        app,
        "--port",
        str(port),
        "--no-access-log",
        "--lifespan",
        "off",
        "--no-server-header",
    ]
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not start: {proc.stderr.read().decode()}")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stderr.close()


def _template(config: dict) -> str:
    body = {
        "consent_id": "@ID@",
        "version": config["version"],
        "sha256": config["sha256"],
        "action": "custom",
        "categories": {
            c["id"]: c["id"] in ("necessary", "statistics") for c in config["categories"]
        },
        "services": {s["id"]: s["id"] == "youtube" for s in config["services"]},
        "layer": 2,
        "gpc": False,
        "language": "de",
        "path": "/produkte/",
        "time": 0,
    }
    return json.dumps(body).replace('"time": 0', '"time": @TIME@')


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def _wrk(port, path, template, *, seconds, connections, delay_ms=0, prefix="b") -> dict:
    env = {
        **os.environ,
        "CONSENT_TEMPLATE": template,
        "CONSENT_PATH": path,
        "CONSENT_ORIGIN": ORIGIN,
        "CONSENT_DELAY_MS": str(delay_ms),
        "CONSENT_PREFIX": prefix,
    }
    command = [
        "taskset",
        "-c",
        "1",
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(HERE / "post.lua"),
        f"http://127.0.0.1:{port}{path}",
    ]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    total, elapsed = re.search(r"(\d+) requests in ([\d.]+(?:us|ms|s|m)),", out).groups()
    duration = _ms(elapsed) / 1000
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.MULTILINE))
    ok = int(total) - (int(bad[1]) if bad else 0)
    return {
        "requests": int(total),
        "ok": ok,
        "rate": ok / duration,
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "errors": errors[1] if errors else "",
        "raw": out,
    }


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of the server process so far (with its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rows(env: dict) -> int:
    url = env.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url) as db:
            return db.execute("SELECT count(*) FROM collector_consentrecord").fetchone()[0]
    path = Path(env["CONSENTSERVE_VAR_DIR"]) / "consentserve.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT count(*) FROM collector_consentrecord").fetchone()[0]


def _setup_mode(mode: str, tmp: Path, extra: dict, trace: bool) -> dict | None:
    """The database, the app and the request of `mode`, prepared once for every round."""
    database_url = os.environ.get("DATABASE_URL") if mode == "postgres" else None
    if mode == "postgres" and not database_url:
        return None
    env = _env(tmp / mode, database_url, **extra)
    key, config = _prepare(env)
    setup = {"env": env, "template": _template(config), "path": f"/c/{key}/consent"}
    setup["app"] = "config.asgi:application"
    if mode == "raw":
        setup["app"] = "bench.collector.raw_app:app"
    elif mode == "dry":
        (tmp / "dry_app.py").write_text(DRY_APP)
        env["PYTHONPATH"] = f"{tmp}{os.pathsep}{ROOT}"
        setup["app"] = "dry_app:application"
    elif mode == "sqlite-normal":
        env["CONSENTSERVE_COLLECTOR_SQLITE_SYNC"] = "NORMAL"
    elif mode in ("minimal", "plain"):
        env["DJANGO_SETTINGS_MODULE"] = f"bench.collector.{mode}_settings"
        setup["path"] = f"/plain/{key}/consent"
        if mode == "minimal":
            setup["app"] = "bench.collector.minimal_app:application"
    if trace and mode in COLLECTOR:
        setup["app"] = "bench.collector.trace_app:application"
        env["TRACE_OUT"] = str(tmp / f"{mode}-trace.json")
    return setup


def _trace(proc: subprocess.Popen, env: dict) -> dict | None:
    """What trace_app.py timed since the last call (None when the mode is not traced)."""
    path = Path(env.get("TRACE_OUT", ""))
    if not env.get("TRACE_OUT"):
        return None
    path.unlink(missing_ok=True)
    os.kill(proc.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):  # not written yet, or not completely
            time.sleep(0.05)
    raise RuntimeError("the traced server wrote no timings")


def _q(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0


def _trace_line(name: str, trace: dict) -> str:
    groups, checkpoints = trace["groups"], trace["checkpoints"]
    rows = sum(g[0] for g in groups) / max(1, len(groups))
    insert, commit = [g[1] for g in groups], [g[2] for g in groups]
    full = [seconds for generation, seconds in trace["collections"] if generation == 2]
    pauses = sum(seconds for _, seconds in trace["collections"]) * 1000
    return (
        f"- {name}: {len(groups):,} groups of {rows:.0f} rows on average; insert p50 "
        f"{_q(insert, 0.5):.2f} ms, p99 {_q(insert, 0.99):.2f} ms; commit p50 "
        f"{_q(commit, 0.5):.2f} ms, p99 {_q(commit, 0.99):.2f} ms, max {_q(commit, 1):.2f} ms; "
        f"{len(checkpoints)} WAL checkpoints (p50 {_q(checkpoints, 0.5):.2f} ms, max "
        f"{_q(checkpoints, 1):.2f} ms); {len(full)} full garbage collections (max "
        f"{_q(full, 1):.2f} ms), all collections {pauses:.0f} ms"
    )


def _round(mode: str, setup: dict, args, n: int, half_of: float | None) -> dict:
    """One round: a fresh server, a warm-up second, the maximum rate; with `half_of`, also a
    run paced to half that rate."""
    env, path, template = setup["env"], setup["path"], setup["template"]
    port = _free_port()
    proc = _serve(env, setup["app"], port)
    try:
        _wrk(port, path, template, seconds=1, connections=args.connections, prefix=f"w{n}")
        _trace(proc, env)  # the warm-up's timings are not kept
        before = _rows(env) if mode in STORING else 0
        cpu = _cpu_seconds(proc.pid)
        best = _wrk(
            port, path, template, seconds=args.seconds, connections=args.connections, prefix=f"m{n}"
        )
        # CPU per request of the server process: less sensitive than the rate to other work
        # on the machine, and 1 s / that is what one whole core could do.
        best["cpu_us"] = (_cpu_seconds(proc.pid) - cpu) * 1e6 / max(1, best["requests"])
        best["trace"] = _trace(proc, env)
        result = {"mode": mode, "max": best}
        if mode in STORING:
            result["stored"] = _rows(env) - before
        if half_of:
            # Each connection waits so that all of them together send about half the maximum.
            delay = max(1, round(args.connections * 1000 / (half_of / 2) - best["p50"]))
            result["half"] = _wrk(
                port,
                path,
                template,
                seconds=args.seconds,
                connections=args.connections,
                delay_ms=delay,
                prefix=f"h{n}",
            )
            result["half"]["trace"] = _trace(proc, env)
    finally:
        _stop(proc)
    return result


def _line(name: str, run: dict, stored: int | None = None) -> str:
    check = f" | {stored:,}" if stored is not None else " | –"
    cpu = f"{run['cpu_us']:.0f} | {1e6 / run['cpu_us']:,.0f}" if "cpu_us" in run else "– | –"
    return (
        f"| {name} | {run['rate']:,.0f} | {run['p50']:.2f} | {run['p99']:.2f} | {cpu}"
        f"{check} | {run['errors'] or '–'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("modes", nargs="*", default=list(MODES))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--trace",
        action="store_true",
        help="time the writer's groups, commits, checkpoints and the garbage collector",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for every server, e.g. CONSENTSERVE_COLLECTOR_WAIT_MS=0",
    )
    args = parser.parse_args()
    if not shutil.which("wrk") or not shutil.which("taskset"):
        sys.exit("bench-collector needs wrk and taskset (scripts/system-deps bench)")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        extra = dict(item.split("=", 1) for item in args.set)
        setups = {mode: _setup_mode(mode, Path(tmp), extra, args.trace) for mode in args.modes}
        setups = {mode: setup for mode, setup in setups.items() if setup is not None}
        # Rounds alternate the modes, so a noisy moment of the machine hits all of them; the
        # best round of each counts. The last round adds the half-rate run.
        for n in range(args.rounds):
            for mode, setup in setups.items():
                print(f"… round {n + 1}: {mode}", file=sys.stderr, flush=True)
                last = n == args.rounds - 1
                best = results.get(mode, {}).get("max", {}).get("rate", 0)
                result = _round(mode, setup, args, n, None)
                if result["max"]["rate"] > best:
                    results[mode] = result
                if last and mode in COLLECTOR:
                    paced = _round(mode, setup, args, n + 100, results[mode]["max"]["rate"])
                    results[mode]["half"] = paced["half"]
    names = {
        "dry": "(a) collector, every check, 204 without storing",
        "raw": "bare ASGI app, 204 without any check (lower bound)",
        "minimal": "(b) minimal Django view, one ORM insert, SQLite, no middleware",
        "plain": "the same view behind the product's middleware stack",
        "sqlite": "(c) collector, SQLite, synchronous=FULL",
        "sqlite-normal": "collector, SQLite, synchronous=NORMAL",
        "postgres": "(d) collector, PostgreSQL",
    }
    lines = [
        f"### Collector, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores: "
        f"server on core 0, wrk on core 1, {args.connections} connections, best of "
        f"{args.rounds} rounds of {args.seconds} s",
        "",
        "| mode | 204/s | p50 ms | p99 ms | server CPU µs/request | 1 core's worth/s "
        "| rows stored | socket errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for mode, result in results.items():
        lines.append(_line(names[mode], result["max"], result.get("stored")))
        if "half" in result:
            lines.append(_line(f"{names[mode]} at about half rate", result["half"]))
    lines.append("")
    dry = results.get("dry", {}).get("max", {}).get("rate")
    raw = results.get("raw", {}).get("max", {}).get("rate")
    minimal = results.get("minimal", {}).get("max", {}).get("rate")
    plain = results.get("plain", {}).get("max", {}).get("rate")
    for mode in COLLECTOR:
        if mode in results:
            rate = results[mode]["max"]["rate"]
            parts = [f"{names[mode]}: {rate:,.0f} durable consents/s"]
            if dry:
                parts.append(f"{rate / dry:.0%} of (a)")
            if raw:
                parts.append(f"{rate / raw:.0%} of the bare ASGI app")
            if minimal:
                parts.append(f"{rate / minimal:.1f}× the minimal Django view")
            if plain:
                parts.append(f"{rate / plain:.0f}× the view behind the middleware stack")
            parts.append(f"p99 at half rate {results[mode]['half']['p99']:.2f} ms")
            lines.append("- " + ", ".join(parts))
    traced = [
        (f"{names[mode]}{' at about half rate' if kind == 'half' else ''}", result[kind]["trace"])
        for mode, result in results.items()
        for kind in ("max", "half")
        if result.get(kind, {}).get("trace")
    ]
    if traced:
        lines += ["", "Timings of the traced servers (bench/collector/trace_app.py):", ""]
        lines += [_trace_line(name, trace) for name, trace in traced]
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "collector.md").write_text(report + "\n")
    # wrk's own output of every counted run, to check the table against.
    (RESULTS / "collector-wrk.txt").write_text(
        "\n".join(
            f"== {mode} {kind}\n{result[kind]['raw']}"
            for mode, result in results.items()
            for kind in ("max", "half")
            if kind in result
        )
    )


if __name__ == "__main__":
    main()
