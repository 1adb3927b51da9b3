"""The website scanner's throughput and memory (make bench-scanner).

One scan of the loopback fixture site with our banner and the real tracker libraries
(tests/scanner_fixture.py): N pages, each in the four states. The benchmark pins itself, and so
the scan's child process and its Chromium, to one core. It reports pages × states per minute and
the peak memory (PSS) of the scan's whole process tree (child, Playwright's driver, every
Chromium process), sampled every 100 ms.

Usage: python bench/scanner/run.py [--pages 20] [--settle 2.0] [--out bench/results/scanner.md]
"""

import argparse
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process: PSS shares pages that Chromium's processes have in common
    among them, so the tree's PSS sum is what the scan really occupies; its RSS sum counts
    shared pages once per process."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--settle", type=float, default=2.0)
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "scanner.md"))
    args = parser.parse_args()

    import django

    django.setup()
    from scanner_fixture import FixtureSite, Secret, Sink, npm_ci

    from consentserve.scanner import run
    from consentserve.scanner.classify import classify
    from consentserve.scanner.collect import Job

    npm_ci()
    os.sched_setaffinity(0, {args.core})  # inherited by the child and its Chromium
    sink, secret = Sink(), Secret()
    site = FixtureSite("banner", sink, secret.port, extra_pages=args.pages)
    peak = {"kib": 0, "rss": 0, "processes": 0}
    done = threading.Event()

    def watch(pid):
        def loop():
            while not done.is_set():
                tree = run.process_tree(pid)
                sizes = [memory_kib(p) for p in tree]
                pss = sum(size[1] for size in sizes)
                if pss > peak["kib"]:
                    peak.update(kib=pss, processes=len(tree))
                peak["rss"] = max(peak["rss"], sum(size[0] for size in sizes))
                time.sleep(0.1)

        threading.Thread(target=loop, daemon=True).start()

    job = Job(
        url=site.origin + "/",
        pages=args.pages,
        allow_private=True,
        resolve=site.resolve,
        offline=True,
        settle=args.settle,
    )
    load = os.getloadavg()[0]
    started = time.monotonic()
    try:
        observed = run.collect(job, on_start=watch)
    finally:
        done.set()
        site.close()
        sink.close()
        secret.close()
    seconds = time.monotonic() - started
    report = classify(observed)
    visits = sum(len(page["states"]) for page in observed["pages"])
    per_minute = visits / seconds * 60
    lines = [
        f"# Website scanner ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Machine: {os.cpu_count()} cores, load average {load:.1f} at the start; scan pinned to"
        f" core {args.core}; settle {args.settle} s after load and after a choice.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| pages scanned | {len(observed['pages'])} |",
        f"| pages × states | {visits} |",
        f"| duration | {seconds:.1f} s |",
        f"| pages × states per minute | {per_minute:.1f} |",
        f"| peak memory of the scan (process tree, PSS) | {peak['kib'] / 1024:.0f} MiB"
        f" ({peak['processes']} processes) |",
        f"| peak of the summed RSS (shared pages counted per process) |"
        f" {peak['rss'] / 1024:.0f} MiB |",
        f"| bytes through the proxy | {observed['bytes'] / 1e6:.1f} MB |",
        f"| leaks found | {len(report['leaks'])} |",
    ]
    text = "\n".join(lines) + "\n"
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
