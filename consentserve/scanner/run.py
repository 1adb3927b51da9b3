"""One scan as one child process with one Chromium. On time-out the child and every process under
it (Playwright's driver and each Chromium process) are killed, so nothing is left behind."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from .collect import Job
from .guard import Guard, ScanRefused

# The child stops visiting pages at the deadline; the kill comes only if it does not.
KILL_GRACE = 30


class ScanFailed(RuntimeError):
    """The scan could not be completed (time-out, browser crash); the message says which."""


def chromium_path() -> str:
    found = os.environ.get("CONSENTSERVE_CHROMIUM") or shutil.which("chromium")
    return found or "/usr/bin/chromium"


def collect(job: Job, on_start=None) -> dict:
    """The observations of `job` (collect.py); ScanRefused for a URL the guard refuses, checked
    here first so a refusal costs no browser. `on_start` gets the child's process id, which is
    also its process group's."""
    Guard.for_url(job.url, job.allow_private, job.resolve, job.offline).url(job.url)
    job.chromium = job.chromium if os.path.exists(job.chromium) else chromium_path()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(  # noqa: S603 - our own module, no shell
        [sys.executable, "-m", "consentserve.scanner.collect"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    if on_start is not None:
        on_start(child.pid)
    try:
        out, err = child.communicate(json.dumps(asdict(job)).encode(), job.deadline + KILL_GRACE)
    except subprocess.TimeoutExpired as expired:
        kill_tree(child.pid)
        child.communicate()  # reaps the child and closes its pipes
        raise ScanFailed("The scan took too long and was stopped.") from expired
    if child.returncode != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise ScanFailed(f"The browser of the scan failed: {last[0][:200]}")
    result = json.loads(out)
    if "refused_start" in result:
        raise ScanRefused(result["refused_start"])
    return result


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (from /proc). Playwright starts Chromium in a session of its
    own, so the child's process group does not contain it; the tree does."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name in parentheses may contain spaces; the parent follows the state.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, ()))
    return tree


def kill_tree(pid: int) -> None:
    """SIGKILL for `pid` and every descendant, Chromium's processes included. The tree is first
    stopped, so no process can start another between looking and killing (an orphan would leave
    the tree unnoticed)."""
    stopped: set[int] = set()
    for _ in range(3):
        for member in set(process_tree(pid)) - stopped:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(member, signal.SIGSTOP)
            stopped.add(member)
    for member in stopped | set(process_tree(pid)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(member, signal.SIGKILL)
