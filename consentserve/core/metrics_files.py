"""The files of prometheus-client's multi-process mode: one set per process id. `serve` removes
those of processes that no longer run before it starts its workers, so the directory does not
grow with every restart and a dead process's gauges stop counting; the files of live processes
(a `consentserve worker` on the same machine) stay."""

import os
import re
from pathlib import Path

_PID = re.compile(r"_(\d+)\.db\Z")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def metrics_files_prune() -> int:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return 0
    removed = 0
    for path in Path(directory).glob("*.db"):
        match = _PID.search(path.name)
        if match and not _running(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
