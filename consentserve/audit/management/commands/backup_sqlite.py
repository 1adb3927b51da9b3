"""An online backup of every SQLite file of an installation into one directory, while it runs.

SQLite's backup API copies a consistent snapshot page by page; copying the files with `cp`
while a writer runs can give a torn copy (and misses what is still in the WAL file). Backed up:
the main database and the task store (huey's SQLite file, when the queue is not on Redis), plus
`audit-head.txt`, the audit chain's head at the time of the backup (ADR 0005). The tables of
settings.BACKUP_EXCLUDED_TABLES (the access log, R-B1-4) are emptied in the copy of the main
database."""

import sqlite3
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from consentserve.audit.chain import head


def _files() -> dict[str, Path]:
    files = {}
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        raise CommandError("the database is not SQLite: back PostgreSQL up with pg_dump")
    files["consentserve.sqlite3"] = Path(database["NAME"])
    if settings.HUEY.get("filename"):
        files["tasks.sqlite3"] = Path(settings.HUEY["filename"])
    return files


def backup_file(source: Path, target: Path, *, exclude_tables: tuple[str, ...] = ()) -> None:
    with closing(sqlite3.connect(source, timeout=30)) as src:
        with closing(sqlite3.connect(target)) as dst:
            # Pages in steps, so writers wait a few milliseconds at a time, never the whole copy.
            src.backup(dst, pages=1024)
            _empty(dst, exclude_tables)
        ok = src.execute("PRAGMA quick_check").fetchone()[0]
    if ok != "ok":
        raise CommandError(f"{source.name}: quick_check says {ok}")


def _empty(db: sqlite3.Connection, tables: tuple[str, ...]) -> None:
    """Delete every row of `tables` in the copy, then VACUUM: a deleted row stays in the file's
    free pages until the file is rewritten, and a backup must not hold it there either."""
    present = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    emptied = [table for table in tables if table in present]
    if not emptied:
        return
    for table in emptied:
        # Only names that are tables of this very file (checked above), never outside input.
        db.execute(f'DELETE FROM "{table}"')  # noqa: S608
    db.commit()
    db.execute("VACUUM")


class Command(BaseCommand):
    help = "Back every SQLite file up online into DIRECTORY, with the audit chain's head."

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, *args, directory: str, **options):
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        if any(target.iterdir()):
            raise CommandError(f"{target} is not empty: each backup goes into a new directory")
        # The head first: every entry it names is in the copy made afterwards.
        seq, digest = head()
        connection.close()
        for name, source in _files().items():
            if source.exists():
                excluded = settings.BACKUP_EXCLUDED_TABLES if name == "consentserve.sqlite3" else ()
                backup_file(source, target / name, exclude_tables=excluded)
                self.stdout.write(f"{name}: backed up")
        (target / "audit-head.txt").write_text(
            f"{timezone.now().isoformat(timespec='seconds')} #{seq} {digest}\n"
        )
        self.stdout.write(f"audit head #{seq} {digest}")
