"""The cluster on loopback (issue 17): two `consentserve serve` processes standing in for two
machines and two `consentserve worker`s, sharing one PostgreSQL and one Redis. The login limit
holds across both servers, neither answers 500 under 64 concurrent clients, and the daily
invoice job, started by both workers, runs once and mails the invoice once.

PostgreSQL only (scripts/with-postgres); the workers run on a clock moved to just before the
invoice job's minute with libfaketime."""

import http.client
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from support import Inbox, free_port

BIN = Path(sys.executable).parent
POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
pytestmark = pytest.mark.skipif(
    not POSTGRES or not FAKETIME.exists() or not shutil.which("redis-server"),
    reason="PostgreSQL (scripts/with-postgres), libfaketime and redis-server",
)
DEMO_OWNER = "demo@example.com"
DEMO_PASSWORD = "consentserve-demo"


@pytest.fixture
def cluster_database():
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"cs_cluster_{secrets.token_hex(4)}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{base}/{name}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def inbox():
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


class Cluster:
    def __init__(self, tmp_path, database_url, redis_url, smtp_port):
        self.tmp_path = tmp_path
        self.procs = []
        base = {
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))
        }
        base.update(
            CONSENTSERVE_ENV="production",
            DJANGO_SECRET_KEY="c" * 50,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            CONSENTSERVE_ENCRYPTION_KEYS="PpGVURvaManOf_KIYNjcYyyLUlSStFn6CEO7bkJCHQY=",
            CONSENTSERVE_TLS="0",
            CONSENTSERVE_DB_POOL_MAX="6",
            CONSENTSERVE_SMTP_HOST="127.0.0.1",
            CONSENTSERVE_SMTP_PORT=str(smtp_port),
            CONSENTSERVE_STATIC_ROOT=str(tmp_path / "static"),
            DATABASE_URL=database_url,
            CONSENTSERVE_REDIS_URL=redis_url,
        )
        self.base = base

    def env(self, machine: str, **extra) -> dict:
        # Each machine has its own var directory: nothing is shared but PostgreSQL and Redis.
        return {**self.base, "CONSENTSERVE_VAR_DIR": str(self.tmp_path / machine), **extra}

    def run(self, *args, **extra):
        result = subprocess.run(
            [BIN / "consentserve", *args],
            env=self.env("a", **extra),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def start(self, machine: str, *args, **extra) -> subprocess.Popen:
        log = self.tmp_path / f"{machine}-{args[0]}-{len(self.procs)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [BIN / "consentserve", *args],
                env=self.env(machine, **extra),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        return proc

    def logs(self, kind: str) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.tmp_path.glob(f"*-{kind}-*")))

    def serve(self, machine: str) -> int:
        port = free_port()
        proc = self.start(machine, "serve", "--port", str(port))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if request(port, "GET", "/readyz")[0] == 200:
                    return port
            except OSError:
                assert proc.poll() is None, "server ended"
                time.sleep(0.2)
        raise AssertionError("server not ready")

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def request(port, method, path, *, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace"), response
    finally:
        conn.close()


def sign_in(port, password) -> str:
    """One attempt through the real login form (its CSRF cookie and token) on server `port`."""
    _status, page, response = request(port, "GET", "/en/account/login/")
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = f"csrfmiddlewaretoken={token}&login={DEMO_OWNER}&password={password}"
    status, page, response = request(
        port,
        "POST",
        "/en/account/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
        },
    )
    return "locked" if "Too many failed login attempts" in page else str(status)


def test_two_machines_share_limits_jobs_and_never_answer_500(
    tmp_path, cluster_database, redis_url, inbox
):
    cluster = Cluster(tmp_path, cluster_database, redis_url, inbox.port)
    today = datetime.now(UTC).date()
    # Migrations and the demo (with last month's invoice, not yet mailed) early on the day the
    # workers will be started on, so that "last month" is the same month for both.
    # libfaketime reads the time in the zone of TZ, which Django sets to Europe/Berlin.
    demo_clock = {"LD_PRELOAD": str(FAKETIME), "FAKETIME": f"@{today} 04:05:00", "TZ": "UTC"}
    cluster.run("migrate", **demo_clock)
    cluster.run("collectstatic")
    cluster.run("demo", CONSENTSERVE_ENV="development", **demo_clock)  # refused in production
    try:
        a, b = cluster.serve("a"), cluster.serve("b")

        # The login limit (5 failures per 5 minutes and address) across both machines.
        results = [sign_in(port, "wrong-password") for port in (a, b, a, b, a)]
        assert "locked" not in results
        assert sign_in(b, DEMO_PASSWORD) == "locked"

        # 64 concurrent clients spread over both machines: no 500.
        statuses: Counter = Counter()
        lock = threading.Lock()

        def client(n: int) -> None:
            port = (a, b)[n % 2]
            for path in (f"/c/k{n:04d}abcdefghij.js", "/en/", "/de/account/login/"):
                status = request(port, "GET", path)[0]
                with lock:
                    statuses[status] += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(64)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(statuses.values()) == 64 * 3
        assert not [s for s in statuses if s >= 500], statuses

        # Two workers (two machines), their clocks just before the daily invoice job at 04:15
        # UTC: both schedule it, it runs once, the invoice goes out once.
        # huey checks its schedule at start and every 60 s after (on the monotonic clock, left
        # real): at 04:14:50, then within minute 04:15.
        clock = {
            "LD_PRELOAD": str(FAKETIME),
            "FAKETIME": f"@{today} 04:14:50",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "TZ": "UTC",
        }
        cluster.start("a", "worker", **clock)
        cluster.start("b", "worker", **clock)
        deadline = time.monotonic() + 150
        with psycopg.connect(cluster_database, autocommit=True) as db:
            while time.monotonic() < deadline:
                done = db.execute(
                    "SELECT count(*) FROM core_jobrun WHERE job LIKE '%%invoices_monthly'"
                    " AND outcome = 'done'"
                ).fetchone()[0]
                if done and inbox.to(DEMO_OWNER):
                    break
                time.sleep(1)
            time.sleep(5)  # the second worker's start of the job, had it not been claimed
            runs = db.execute(
                "SELECT period, outcome FROM core_jobrun WHERE job LIKE '%%invoices_monthly'"
            ).fetchall()
            mailed = db.execute(
                "SELECT count(*) FROM billing_invoice WHERE mailed_at IS NOT NULL"
            ).fetchone()[0]
        assert runs == [(str(today), "done")], cluster.logs("worker")
        assert mailed >= 1
        assert (
            len(
                [
                    m
                    for m in inbox.messages
                    if "Invoice" in str(m["Subject"]) or "Rechnung" in str(m["Subject"])
                ]
            )
            == mailed
        )
    finally:
        cluster.stop()
