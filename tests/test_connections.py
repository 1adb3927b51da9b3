"""Database connections under load (issue 17): no persistent connection per request thread under
ASGI, a bounded pool per process instead. On PostgreSQL (scripts/with-postgres) one `consentserve
serve` process answers 64 concurrent clients without a 500 and never holds more connections than
its pool allows."""

import http.client
import os
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from support import free_port

BIN = Path(sys.executable).parent
POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
POOL_MAX = 6
CLIENTS = 64


def test_no_persistent_connections_and_a_bounded_pool(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))}
    env.update(
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        CONSENTSERVE_VAR_DIR=str(tmp_path),
        CONSENTSERVE_DB_POOL_MAX="7",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    show = "from django.conf import settings as s; d = s.DATABASES['default'];"
    show += "print(d['CONN_MAX_AGE'], d['OPTIONS']['pool']['max_size'])"
    out = subprocess.run(
        [sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["0", "7"]


@pytest.fixture
def postgres_database():
    """A database of its own on the suite's PostgreSQL server, dropped afterwards."""
    if not POSTGRES:
        pytest.skip("PostgreSQL only (scripts/with-postgres)")
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"cs_pool_{secrets.token_hex(4)}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{base}/{name}", name
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _serve(tmp_path, database_url: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))}
    env.update(
        CONSENTSERVE_ENV="production",
        DJANGO_SECRET_KEY="s" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        CONSENTSERVE_ENCRYPTION_KEYS="PpGVURvaManOf_KIYNjcYyyLUlSStFn6CEO7bkJCHQY=",
        CONSENTSERVE_TLS="0",
        CONSENTSERVE_VAR_DIR=str(tmp_path / "var"),
        CONSENTSERVE_DB_POOL_MAX=str(POOL_MAX),
        DATABASE_URL=database_url,
    )
    subprocess.run([BIN / "consentserve", "migrate"], env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [BIN / "consentserve", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get(port, "/c/doesnotexist.js") == 404:
                return proc, port
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    with proc.stdout:
        raise AssertionError(proc.stdout.read().decode())


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_64_concurrent_clients_get_no_500_and_the_pool_bounds_connections(
    tmp_path, postgres_database
):
    url, name = postgres_database
    proc, port = _serve(tmp_path, url)
    statuses: Counter = Counter()
    lock = threading.Lock()
    most = 0
    done = threading.Event()

    def client(number: int) -> None:
        # Each path reads the database: the loader looks its key up, the pages read the
        # session and the published banner of the website.
        paths = [f"/c/k{number:03d}{i}.js" for i in range(4)] + ["/en/", "/de/account/login/"]
        for path in paths:
            status = _get(port, path)
            with lock:
                statuses[status] += 1

    def watch() -> None:
        nonlocal most
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            while not done.is_set():
                (count,) = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
                ).fetchone()
                most = max(most, count)
                time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        done.set()
        watcher.join()
        proc.terminate()
        proc.wait(timeout=20)
        output = proc.stdout.read().decode()
        proc.stdout.close()
    assert sum(statuses.values()) == CLIENTS * 6
    assert not [s for s in statuses if s >= 500], (statuses, output[-3000:])
    assert statuses[404] == CLIENTS * 4
    assert statuses[200] == CLIENTS * 2
    assert 0 < most <= POOL_MAX
    print(f"statuses {dict(statuses)}, most connections {most}")


def test_a_request_that_gets_no_connection_is_answered_503_not_500(rf):
    from django.db import OperationalError
    from django.utils import translation
    from psycopg_pool import PoolTimeout

    from consentserve.website.views import server_error

    try:
        try:
            raise PoolTimeout("couldn't get a connection after 10.00 sec")
        except PoolTimeout as timeout:
            raise OperationalError(str(timeout)) from timeout
    except OperationalError:
        with translation.override("en"):
            response = server_error(rf.get("/en/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"busy" in response.content


@pytest.mark.django_db
def test_any_other_error_is_still_a_500(rf):
    from consentserve.website.views import server_error

    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/en/"))
    assert response.status_code == 500
