"""Static files are gathered (and compressed, with hashed names) once per install or image build,
not at every start: `consentserve collectstatic` writes them with a stamp naming the files it
found; `serve` compares the stamp with the installed files and collects only when they differ,
which takes seconds to minutes and would delay every restart."""

import hashlib
import logging
import os
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

logger = logging.getLogger(__name__)

STAMP = ".collected"


def _fingerprint() -> str:
    """A digest of every static source file's path, size and modification time."""
    digest = hashlib.sha256()
    entries = []
    for finder in get_finders():
        for path, storage in finder.list([]):
            full = storage.path(path)
            stat = os.stat(full)
            entries.append(f"{path}\0{stat.st_size}\0{int(stat.st_mtime)}")
    for entry in sorted(entries):
        digest.update(entry.encode())
    return digest.hexdigest()


def _stamp() -> Path:
    return Path(settings.STATIC_ROOT) / STAMP


def static_collect() -> None:
    call_command("collectstatic", interactive=False, verbosity=0)
    _stamp().write_text(_fingerprint())


def static_collect_if_stale() -> bool:
    """Collect when the stamp is missing or names other files; returns whether it did."""
    stamp = _stamp()
    if stamp.exists() and stamp.read_text() == _fingerprint():
        return False
    logger.info("static files differ from the installed ones: collecting them now")
    static_collect()
    return True
