"""A scan from URL to report: `scan_site` visits a website in headless Chromium (one child
process per scan, run.py) and returns its report (classify.py); `url_check` says whether a URL
may be scanned at all. A scan never reaches a private address unless `allow_private` (only the
command line offers it)."""

from importlib.metadata import PackageNotFoundError, version

from .classify import classify
from .collect import Job
from .guard import Guard
from .run import collect

DEFAULT_PAGES = 20
PAGE_TIMEOUT = 20.0  # seconds for one page to load
SETTLE = 2.0  # seconds a page is watched after it loaded (and after a choice)
SCAN_DEADLINE = 15 * 60.0  # seconds for the whole scan
BYTE_LIMIT = 200 * 1024 * 1024  # bytes the browser may receive and send in one scan


def scanner_version() -> str:
    try:
        return f"consentserve-scanner/{version('consentserve')}"
    except PackageNotFoundError:
        return "consentserve-scanner/dev"


def url_check(url: str, *, allow_private: bool = False, resolve: dict | None = None) -> str:
    """The host of `url` when it may be scanned; ScanRefused with the reason otherwise."""
    host, _, _ = Guard.for_url(url, allow_private, resolve).url(url)
    return host


def scan_site(
    url: str,
    *,
    pages: int = DEFAULT_PAGES,
    allow_private: bool = False,
    resolve: dict | None = None,
    offline: bool = False,
    shots_dir: str = "",
    banner_services: list[dict] | None = None,
    page_timeout: float = PAGE_TIMEOUT,
    settle: float = SETTLE,
    deadline: float = SCAN_DEADLINE,
    byte_limit: int = BYTE_LIMIT,
) -> dict:
    """The report of a scan of `url` and up to `pages` - 1 more pages of the same site.
    ScanRefused for a URL the guard refuses; ScanFailed when the browser failed or the scan
    ran out of time. Screenshots go to `shots_dir` when given (their file names are in the
    report)."""
    observed = collect(
        Job(
            url=url,
            pages=max(1, pages),
            allow_private=allow_private,
            resolve=dict(resolve or {}),
            offline=offline,
            page_timeout=page_timeout,
            settle=settle,
            deadline=deadline,
            byte_limit=byte_limit,
            shots_dir=shots_dir,
        )
    )
    report = classify(observed, banner_services)
    report["scanner"] = scanner_version()
    return report
