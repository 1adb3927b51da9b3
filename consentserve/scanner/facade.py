"""The scanner's public module: what other apps (the portal) and the command line use.

A scan visits a website in headless Chromium (one child process per scan), in four states per
page, and reports what it stores and sends per service, with the leaks; it never reaches a
private address unless `allow_private` (only the command line offers it). See README.md."""

from .classify import compare_with_banner
from .collect import ACCEPT, GPC, NO_CHOICE, REJECT, STATES
from .guard import ScanRefused
from .models import Scan, ScanSchedule, ScanScreenshot
from .report import leak_groups, report_pdf, state_label
from .run import ScanFailed
from .scanning import DEFAULT_PAGES, scan_site, scanner_version, url_check
from .services import PAGE_LIMIT, scan_execute, scan_request, scan_url_clean, schedules_run

__all__ = [
    "ACCEPT",
    "DEFAULT_PAGES",
    "GPC",
    "NO_CHOICE",
    "PAGE_LIMIT",
    "REJECT",
    "STATES",
    "Scan",
    "ScanFailed",
    "ScanRefused",
    "ScanSchedule",
    "ScanScreenshot",
    "compare_with_banner",
    "leak_groups",
    "report_pdf",
    "scan_execute",
    "scan_request",
    "scan_site",
    "scan_url_clean",
    "scanner_version",
    "schedules_run",
    "state_label",
    "url_check",
]
