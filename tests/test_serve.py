"""`consentserve serve`: TLS, HTTPS redirect, HSTS, secure cookies, trusted proxy only (R-G-2).

These tests start the real server process (uvicorn, production mode) on loopback.
"""

import datetime
import http.client
import os
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from support import free_port

pytestmark = pytest.mark.req("R-G-2")

BIN = Path(sys.executable).parent


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _env(tmp_path: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))}
    env.pop("DATABASE_URL", None)  # a server of its own, on its own SQLite file
    env.update(
        CONSENTSERVE_ENV="production",
        DJANGO_SECRET_KEY="s" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        CONSENTSERVE_ENCRYPTION_KEYS="PpGVURvaManOf_KIYNjcYyyLUlSStFn6CEO7bkJCHQY=",
        CONSENTSERVE_VAR_DIR=str(tmp_path / "var"),
        **extra,
    )
    return env


class Server:
    def __init__(self, tmp_path: Path, *args: str, **env):
        self.port = free_port()
        self.env = _env(tmp_path, **env)
        subprocess.run(
            [BIN / "consentserve", "migrate"], env=self.env, check=True, capture_output=True
        )
        self.proc = subprocess.Popen(
            [BIN / "consentserve", "serve", "--port", str(self.port), *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        # Generous: `serve` collects static files before it binds, slow on a loaded machine.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.proc.kill()
        output = self.proc.communicate()[0].decode()
        raise AssertionError(f"server did not start: {output}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()

    def logged_ips(self) -> list[str]:
        path = Path(self.env["CONSENTSERVE_VAR_DIR"]) / "consentserve.sqlite3"
        with closing(sqlite3.connect(path)) as db:
            return [ip for (ip,) in db.execute("SELECT ip FROM privacy_accesslogentry")]


def _get(port, path, *, tls=False, headers=None):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}", **(headers or {})})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


@pytest.fixture
def tls_server(tmp_path):
    cert, key = _self_signed(tmp_path)
    redirect_port = free_port()
    server = Server(
        tmp_path, "--cert", str(cert), "--key", str(key), "--redirect-port", str(redirect_port)
    )
    server.redirect_port = redirect_port
    yield server
    server.stop()


def test_tls_serves_hsts_and_secure_host_cookies_r_g_2_r_c1_2(tls_server):
    page = _get(tls_server.port, "/de/", tls=True, headers={"Accept-Language": "de"})
    assert page.status == 200
    assert page.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    switch = _get(tls_server.port, "/lang/en/?next=/de/", tls=True)
    cookie = switch.getheader("Set-Cookie")
    assert "django_language=en" in cookie
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert attribute in cookie


def test_plain_http_port_redirects_to_https_r_g_2(tls_server):
    response = _get(tls_server.redirect_port, "/de/preise/?a=1")
    assert response.status == 301
    assert response.getheader("Location") == f"https://127.0.0.1:{tls_server.port}/de/preise/?a=1"
    assert response.getheader("Strict-Transport-Security") is None


def test_redirect_refuses_unknown_hosts(tls_server):
    conn = http.client.HTTPConnection("127.0.0.1", tls_server.redirect_port, timeout=10)
    conn.request("GET", "/", headers={"Host": "evil.example"})
    assert conn.getresponse().status == 400
    conn.close()


def test_only_the_configured_proxy_header_is_trusted(tmp_path):
    server = Server(
        tmp_path,
        "--forwarded-allow-ips",
        "127.0.0.1",
        CONSENTSERVE_TLS="1",
        CONSENTSERVE_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )
    try:
        plain = _get(server.port, "/de/")
        assert plain.status == 301
        assert plain.getheader("Location").startswith("https://")
        assert _get(server.port, "/de/", headers={"X-Forwarded-Proto": "https"}).status == 200
        assert _get(server.port, "/de/", headers={"X-Forwarded-Ssl": "on"}).status == 301
    finally:
        server.stop()


def test_access_log_is_written_by_the_background_writer_with_the_proxied_client(tmp_path):
    trusting = Server(tmp_path / "a", "--forwarded-allow-ips", "127.0.0.1", CONSENTSERVE_TLS="0")
    direct = Server(tmp_path / "b", CONSENTSERVE_TLS="0")
    try:
        spoof = {"X-Forwarded-For": "203.0.113.5", "User-Agent": "Mozilla/5.0 Firefox/132.0"}
        assert _get(trusting.port, "/en/", headers=spoof).status == 200
        assert _get(direct.port, "/en/", headers=spoof).status == 200
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            logged = (trusting.logged_ips(), direct.logged_ips())
            if all(logged):
                break
            time.sleep(0.2)
        assert logged == (["203.0.113.5"], ["127.0.0.1"])
    finally:
        trusting.stop()
        direct.stop()
