"""Backups (issue 17): an online backup of every SQLite file while a writer commits loses no row
acknowledged before it began; the backup command copies the main database and the task store
and keeps the audit chain's head with them, which `audit_head` prints too."""

import sqlite3
import subprocess
import threading
import time
from contextlib import closing

import pytest
from django.conf import settings
from test_serve import BIN, _env

from consentserve.audit.management.commands.backup_sqlite import backup_file
from consentserve.privacy.models import AccessLogEntry


def test_a_backup_under_load_keeps_every_acknowledged_row(tmp_path):
    source = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(source)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE decision (id INTEGER PRIMARY KEY, choice TEXT)")
        db.commit()
    acknowledged = []
    stop = threading.Event()

    def writer():
        with closing(sqlite3.connect(source, timeout=30)) as db:
            db.execute("PRAGMA synchronous=FULL")
            n = 0
            while not stop.is_set():
                n += 1
                db.execute("INSERT INTO decision (id, choice) VALUES (?, 'all')", (n,))
                db.commit()
                acknowledged.append(n)  # acknowledged once committed

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(acknowledged) < 2000:
            time.sleep(0.01)
        before = len(acknowledged)
        backup_file(source, tmp_path / "copy.sqlite3")
    finally:
        stop.set()
        thread.join()
    with closing(sqlite3.connect(tmp_path / "copy.sqlite3")) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        kept = {row for (row,) in copy.execute("SELECT id FROM decision")}
    assert set(acknowledged[:before]) <= kept
    assert max(kept) <= len(acknowledged)  # nothing in the copy that was not committed


def _manage(env, *args) -> str:
    result = subprocess.run(
        [BIN / "consentserve", "manage", *args], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_backup_command_copies_database_and_task_store_with_the_audit_head(tmp_path):
    env = _env(tmp_path)
    subprocess.run([BIN / "consentserve", "migrate"], env=env, check=True, capture_output=True)
    shell = (
        "from consentserve.audit.chain import record; "
        "record('test.backup', actor='system', target='x:1')"
    )
    _manage(env, "shell", "-c", shell)
    printed = _manage(env, "audit_head").split()
    assert printed[1] == "#1"
    out = _manage(env, "backup_sqlite", str(tmp_path / "backup"))
    assert "consentserve.sqlite3: backed up" in out
    assert "tasks.sqlite3: backed up" in out
    head = (tmp_path / "backup" / "audit-head.txt").read_text().split()
    assert head[1:] == printed[1:]
    with closing(sqlite3.connect(tmp_path / "backup" / "consentserve.sqlite3")) as copy:
        (seq, digest) = copy.execute("SELECT seq, hash FROM audit_audithead").fetchone()
    assert (f"#{seq}", digest) == tuple(printed[1:])
    # A second backup into the same directory would mix two points in time.
    again = subprocess.run(
        [BIN / "consentserve", "manage", "backup_sqlite", str(tmp_path / "backup")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert again.returncode != 0
    assert "not empty" in again.stderr


def test_audit_head_before_the_first_entry_names_the_genesis(tmp_path):
    env = _env(tmp_path)
    subprocess.run([BIN / "consentserve", "migrate"], env=env, check=True, capture_output=True)
    assert _manage(env, "audit_head").split()[1:] == ["#0", "0" * 64]


@pytest.mark.req("R-B1-4")
def test_a_backup_keeps_no_access_log_row_not_even_in_free_pages(tmp_path):
    source = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(source)) as db:
        db.execute("CREATE TABLE privacy_accesslogentry (id INTEGER PRIMARY KEY, ip TEXT)")
        db.execute("CREATE TABLE decision (id INTEGER PRIMARY KEY, choice TEXT)")
        db.executemany(
            "INSERT INTO privacy_accesslogentry (ip) VALUES (?)", [("198.51.100.77",)] * 500
        )
        db.execute("INSERT INTO decision (choice) VALUES ('all')")
        db.commit()
    assert b"198.51.100.77" in source.read_bytes()
    copy = tmp_path / "copy.sqlite3"
    backup_file(source, copy, exclude_tables=("privacy_accesslogentry", "no_such_table"))
    with closing(sqlite3.connect(copy)) as db:
        assert db.execute("SELECT count(*) FROM privacy_accesslogentry").fetchone() == (0,)
        assert db.execute("SELECT choice FROM decision").fetchall() == [("all",)]
    assert b"198.51.100.77" not in copy.read_bytes()
    with closing(sqlite3.connect(source)) as db:  # the live database keeps its log
        assert db.execute("SELECT count(*) FROM privacy_accesslogentry").fetchone() == (500,)


@pytest.mark.req("R-B1-4")
def test_the_backup_command_leaves_the_access_log_out(tmp_path):
    assert AccessLogEntry._meta.db_table in settings.BACKUP_EXCLUDED_TABLES
    env = _env(tmp_path)
    subprocess.run([BIN / "consentserve", "migrate"], env=env, check=True, capture_output=True)
    shell = (
        "from django.utils import timezone; "
        "from consentserve.privacy.models import AccessLogEntry; "
        "AccessLogEntry.objects.create(ip='198.51.100.78', captured_at=timezone.now(), "
        "requested_url='/en/')"
    )
    _manage(env, "shell", "-c", shell)
    _manage(env, "backup_sqlite", str(tmp_path / "backup"))
    with closing(sqlite3.connect(tmp_path / "backup" / "consentserve.sqlite3")) as copy:
        rows = copy.execute("SELECT count(*) FROM privacy_accesslogentry").fetchone()
    assert rows == (0,)
    with closing(sqlite3.connect(tmp_path / "var" / "consentserve.sqlite3")) as live:
        assert live.execute("SELECT ip FROM privacy_accesslogentry").fetchall() == [
            ("198.51.100.78",)
        ]
