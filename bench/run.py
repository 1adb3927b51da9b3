"""Benchmarks (make bench). Each reports a ratio against a baseline measured in the same run,
because absolute numbers on shared machines are noisy.

retention  one retention run over 1,000,000 access-log rows on SQLite (time, peak memory),
           against a single raw DELETE statement over the same rows
home       home-page requests per second with the access log on and off, alternating rounds

Usage: python bench/run.py [retention|home ...] [--rows N] [--seconds S]
Results are printed and written to bench/results/latest.md.
"""

import argparse
import http.client
import os
import random
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"


def _env(var_dir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))}
    env.pop("DATABASE_URL", None)
    env.update(CONSENTSERVE_VAR_DIR=str(var_dir), **extra)
    return env


def _migrate(env: dict) -> Path:
    subprocess.run([BIN / "consentserve", "migrate"], env=env, check=True, capture_output=True)
    return Path(env["CONSENTSERVE_VAR_DIR"]) / "consentserve.sqlite3"


def _fill_access_log(db_path: Path, rows: int) -> int:
    """Insert `rows` entries, nine in ten older than 7 days; returns how many are due."""
    now = datetime.now(UTC)
    rng = random.Random(1)
    due = 0

    def generate():
        nonlocal due
        for i in range(rows):
            old = i % 10 != 0
            due += old
            age = timedelta(days=8 + rng.random() * 20) if old else timedelta(days=rng.random() * 6)
            yield (
                f"203.0.113.{i % 250}",
                (now - age).strftime("%Y-%m-%d %H:%M:%S.%f"),
                "Windows",
                "Chrome",
                "131.0",
                "https://www.example.com/",
                f"/de/page/{i % 500}/",
            )

    with sqlite3.connect(db_path) as db:
        db.executemany(
            "INSERT INTO privacy_accesslogentry (ip, captured_at, os, browser, browser_version,"
            " referrer_url, requested_url) VALUES (?, ?, ?, ?, ?, ?, ?)",
            generate(),
        )
    return due


def bench_retention(rows: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(Path(tmp) / "engine")
        db_engine = _migrate(env)
        due = _fill_access_log(db_engine, rows)

        started = time.perf_counter()
        subprocess.run(
            [BIN / "consentserve", "retention"], env=env, check=True, capture_output=True
        )
        engine_s = time.perf_counter() - started
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

        baseline_db = _migrate(_env(Path(tmp) / "raw"))
        _fill_access_log(baseline_db, rows)
        cutoff = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S.%f")
        started = time.perf_counter()
        with sqlite3.connect(baseline_db) as db:
            db.execute("DELETE FROM privacy_accesslogentry WHERE captured_at <= ?", (cutoff,))
        raw_s = time.perf_counter() - started

        with sqlite3.connect(db_engine) as db:
            left = db.execute("SELECT COUNT(*) FROM privacy_accesslogentry").fetchone()[0]
    assert left == rows - due, f"retention left {left} rows, expected {rows - due}"
    return [
        f"### Retention over {rows:,} access-log rows (SQLite, {due:,} due)",
        "",
        "| measure | value |",
        "|---|---|",
        f"| retention run (whole command, batches of 5,000) | {engine_s:.1f} s |",
        f"| peak memory of the retention process (max RSS) | {peak_kib / 1024:.0f} MiB |",
        f"| baseline: one raw DELETE statement | {raw_s:.1f} s |",
        f"| ratio engine / raw DELETE | {engine_s / raw_s:.2f} |",
        f"| rows left (recent, not due) | {left:,} |",
        "",
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(var_dir: Path, access_log: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = _env(
        var_dir,
        CONSENTSERVE_ENV="production",
        CONSENTSERVE_TLS="0",
        DJANGO_SECRET_KEY="b" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        CONSENTSERVE_ENCRYPTION_KEYS="PpGVURvaManOf_KIYNjcYyyLUlSStFn6CEO7bkJCHQY=",
        CONSENTSERVE_ACCESS_LOG=access_log,
    )
    proc = subprocess.Popen(
        [BIN / "consentserve", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def _load(port: int, seconds: float, threads: int = 4) -> float:
    """Requests per second from `threads` keep-alive clients hammering the home page."""
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            conn.request("GET", "/de/", headers={"User-Agent": "Mozilla/5.0 Firefox/132.0"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            counts[index] += 1
        conn.close()

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / (time.monotonic() - started)


def _rounds(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


def bench_home(seconds: float, rounds: int = 3) -> list[str]:
    results: dict[str, list[float]] = {"off": [], "thread": []}
    with tempfile.TemporaryDirectory() as tmp:
        _migrate(_env(Path(tmp)))
        for mode in ("off", "thread"):  # warm-up: collectstatic, first imports
            proc, port = _serve(Path(tmp), mode)
            _load(port, 1)
            proc.terminate()
            proc.wait()
        for _ in range(rounds):
            for mode in ("off", "thread"):
                proc, port = _serve(Path(tmp), mode)
                try:
                    _load(port, 1)  # warm the worker
                    results[mode].append(_load(port, seconds))
                finally:
                    proc.terminate()
                    proc.wait()
    off, on = max(results["off"]), max(results["thread"])
    return [
        f"### Home page, one uvicorn worker, 4 keep-alive clients, "
        f"best of {rounds} x {seconds:g} s",
        "",
        "| access log | requests/s (each round) | best |",
        "|---|---|---|",
        f"| off | {_rounds(results['off'])} | {off:.0f} |",
        f"| on (background writer) | {_rounds(results['thread'])} | {on:.0f} |",
        "",
        f"Ratio on / off: **{on / off:.2f}**",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", nargs="*", default=["retention", "home"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    lines = [f"## Benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores", ""]
    if "retention" in args.which:
        lines += bench_retention(args.rows)
    if "home" in args.which:
        lines += bench_home(args.seconds)
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
