"""The leak report as PDF (WeasyPrint), in German or English: the proof, page by page and state by
state, of what a site sets or sends before consent, dated and with the scanner's version."""

import base64

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _


def state_label(state: str) -> str:
    labels = {
        "no_choice": _("no choice"),
        "reject": _("reject all"),
        "accept": _("accept all"),
        "gpc": _("Global Privacy Control"),
    }
    return labels.get(state, state)


def leak_rows(report: dict) -> list[dict]:
    return [leak | {"state_label": state_label(leak["state"])} for leak in report.get("leaks", ())]


def leak_groups(report: dict) -> list[dict]:
    """The leaks once per service and item: in which states and on how many pages, with the
    first evidence (the earliest appearance after load)."""
    groups: dict[tuple, dict] = {}
    for leak in report.get("leaks", ()):
        key = (leak["service_key"], leak["kind"], leak["item"])
        group = groups.setdefault(key, {**leak, "states": [], "pages": set()})
        if leak["state"] not in group["states"]:
            group["states"].append(leak["state"])
        group["pages"].add(leak["page"])
        if (leak["ms"] or 0) < (group["ms"] or 0):
            group.update({k: leak[k] for k in ("page", "ms", "request", "initiator", "screenshot")})
    return [
        group
        | {
            "state_labels": [state_label(s) for s in group["states"]],
            "page_count": len(group["pages"]),
        }
        for group in groups.values()
    ]


def report_pdf(scan, language: str) -> bytes:
    """The PDF for `scan` (a scanner.Scan that is done) in `language` ("de" or "en")."""
    from weasyprint import HTML  # loads pango through cffi: only when a PDF is made

    shots = {shot.name: bytes(shot.image) for shot in scan.screenshots.all()}
    with translation.override(language):
        leaks = leak_rows(scan.report)
        # One screenshot per page and state with a leak, while the screenshots are kept.
        evidence = []
        for key in dict.fromkeys((leak["page"], leak["screenshot"]) for leak in leaks):
            page, name = key
            if name in shots:
                data = base64.b64encode(shots[name]).decode()
                src = f"data:image/jpeg;base64,{data}"
                evidence.append({"page": page, "name": name, "src": src})
        html = render_to_string(
            "scanner/report.html",
            {
                "scan": scan,
                "report": scan.report,
                "leaks": leaks,
                "groups": leak_groups(scan.report),
                "evidence": evidence,
                "created": timezone.localtime(timezone.now()),
                "language": language,
            },
        )
    return HTML(string=html, **_data_only()).write_pdf()


def _data_only() -> dict:
    """Only data: URLs (the embedded screenshots) may be loaded while rendering: page addresses
    in the report are the customer's, and a PDF renderer must not become a way to fetch them."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before 70: the HTML holds no reference to fetch anyway
        return {}
    return {"url_fetcher": URLFetcher(allowed_protocols=["data"])}
