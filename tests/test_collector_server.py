"""Issue 5: the collector in the real server process (`consentserve serve`, uvicorn) on its own
SQLite database, and the fault test: SIGKILL under load loses no acknowledged consent."""

import http.client
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from support import free_port

BIN = Path(sys.executable).parent
ORIGIN = "https://shop.example.com"
SETUP = """
from consentserve.accounts.models import Organisation
from consentserve.installations.models import Domain, Installation
from consentserve.installations.catalog import catalog_get, catalog_service_to_config
from consentserve.installations.config import default_draft
from consentserve.installations.services import publish_by_operator
import json
org = Organisation.objects.create(
    name="Beispiel GmbH", street="Weg 1", postcode="10115", city="Berlin", country="DE"
)
draft = default_draft()
for lang, texts in draft["texts"].items():
    texts["privacy_url"] = f"https://shop.example.com/{lang}/privacy"
    texts["imprint_url"] = f"https://shop.example.com/{lang}/imprint"
draft["services"] = [catalog_service_to_config(catalog_get().get("youtube"))]
installation = Installation.objects.create(organisation=org, name="Shop", draft=draft)
Domain.objects.create(installation=installation, pattern="shop.example.com")
version = publish_by_operator(installation)
print(json.dumps({"key": installation.public_key, "config": version.config}))
"""


def _env(var_dir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))}
    env.pop("DATABASE_URL", None)  # a server of its own, on its own SQLite file
    # Development mode: `serve` skips collectstatic, which the collector does not need.
    env.update(
        CONSENTSERVE_ENV="development",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        CONSENTSERVE_VAR_DIR=str(var_dir),
        CONSENTSERVE_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


class CollectorServer:
    """A migrated database with one published installation, and the server on it."""

    def __init__(self, tmp_path: Path, *setup: list[str], **env):
        self.port = free_port()
        self.env = _env(tmp_path / "var", **env)
        self.db_path = tmp_path / "var" / "consentserve.sqlite3"
        subprocess.run(
            [BIN / "consentserve", "migrate"], env=self.env, check=True, capture_output=True
        )
        made = subprocess.run(
            [BIN / "consentserve", "manage", "shell", "-c", SETUP],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        published = json.loads(made.stdout.strip().splitlines()[-1])
        self.key, self.config = published["key"], published["config"]
        for command in setup:
            subprocess.run(
                [BIN / "consentserve", *command], env=self.env, check=True, capture_output=True
            )
        self.proc = subprocess.Popen(
            [BIN / "consentserve", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            try:
                conn.request("GET", f"/c/{self.key}.js")
                conn.getresponse().read()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
            finally:
                conn.close()
        self.stop()
        raise AssertionError(f"server did not start: {self.proc.stdout.read().decode()}")

    def decision(self, **changes) -> dict:
        body = {
            "consent_id": secrets.token_urlsafe(16),
            "version": self.config["version"],
            "sha256": self.config["sha256"],
            "action": "accept_all",
            "categories": {c["id"]: True for c in self.config["categories"]},
            "services": {s["id"]: True for s in self.config["services"]},
            "layer": 0,
            "gpc": False,
            "language": "de",
            "path": "/produkte/",
            "time": int(time.time() * 1000),
        }
        body.update(changes)
        return body

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()

    def stored_ids(self) -> set[str]:
        with closing(sqlite3.connect(self.db_path)) as db:
            return {cid for (cid,) in db.execute("SELECT consent_id FROM collector_consentrecord")}


def _request(conn, method, path, body=b"", headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


def _post(conn, key, body, origin=ORIGIN):
    headers = {"Content-Type": "text/plain;charset=UTF-8", "Origin": origin}
    return _request(conn, "POST", f"/c/{key}/consent", json.dumps(body).encode(), headers)


@pytest.fixture
def server(tmp_path):
    server = CollectorServer(tmp_path)
    yield server
    server.stop()


def test_the_real_server_records_and_rejects_and_django_still_serves_the_loader(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    body = server.decision(path="/produkte/?utm_source=x")
    response, text = _post(conn, server.key, body)
    assert (response.status, text) == (204, b"")
    assert response.getheader("Access-Control-Allow-Origin") == ORIGIN
    assert response.getheader("Set-Cookie") is None
    again, text = _post(conn, server.key, body)
    assert (again.status, json.loads(text)["error"]) == (409, "duplicate")
    foreign, text = _post(conn, server.key, server.decision(), origin="https://evil.example.net")
    assert (foreign.status, json.loads(text)["error"]) == (403, "origin_not_allowed")
    bad, text = _request(
        conn, "POST", f"/c/{server.key}/consent", b"{", {"Content-Type": "text/plain"}
    )
    assert (bad.status, json.loads(text)["error"]) == (400, "invalid_json")
    preflight, _ = _request(
        conn,
        "OPTIONS",
        f"/c/{server.key}/consent",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 204
    assert preflight.getheader("Access-Control-Allow-Origin") == ORIGIN
    loader, script = _request(conn, "GET", f"/c/{server.key}.js")
    assert loader.status == 200
    assert script.startswith(b"window.__CONSENTSERVE_CONFIG__=")
    conn.close()
    with closing(sqlite3.connect(server.db_path)) as db:
        rows = db.execute("SELECT consent_id, path, ip, origin FROM collector_consentrecord")
        assert rows.fetchall() == [(body["consent_id"], "/produkte/", "127.0.0.0", ORIGIN)]


def test_sigkill_under_load_loses_no_acknowledged_consent(tmp_path):
    # No rate limit: every client shares the loopback /24.
    server = CollectorServer(tmp_path, CONSENTSERVE_COLLECTOR_RATE="0")
    acknowledged: list[str] = []
    failures = []
    stop = threading.Event()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            while not stop.is_set():
                body = server.decision()
                try:
                    response, _ = _post(conn, server.key, body)
                except (OSError, http.client.HTTPException):
                    return  # the server is gone
                if response.status == 204:
                    acknowledged.append(body["consent_id"])
                else:
                    failures.append(response.status)
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        # Kill once the load is well under way, however slow the machine is today.
        deadline = time.monotonic() + 30
        while len(acknowledged) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.proc.kill()  # SIGKILL mid-load: no flush, no atexit
        server.proc.wait(timeout=10)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        server.stop()
    stored = server.stored_ids()
    print(f"acknowledged {len(acknowledged)}, stored {len(stored)}")
    assert len(acknowledged) > 100, "the load never got going"
    assert failures == []
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged consents were lost"
