"""The website scanner in the portal: a scan per installation (owners and admins, only the
installation's own domains), its results grouped by service, the screenshots and the leak report
as PDF. The scans themselves run in the worker (consentserve/scanner)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from consentserve.installations.catalog import catalog_get
from consentserve.scanner import facade as scanner

from .installation_views import _installation, _page
from .scoping import Action, may, object_for, organisation_view


def _scans_url(installation) -> str:
    return reverse(
        "portal:installation-scans", args=[installation.organisation_id, installation.pk]
    )


def _default_url(installation) -> str:
    exact = [d.pattern for d in installation.domains.all() if not d.pattern.startswith("*.")]
    return f"https://{exact[0]}/" if exact else ""


def _list_page(request, membership, installation, *, error="", url="", status=200):
    scans = list(scanner.Scan.objects.filter(installation=installation)[:24])
    for scan in scans:
        # As on the results page: each item once, whatever the pages and states it leaked in.
        scan.leak_count = len(scanner.leak_groups(scan.report or {}))
    context = {
        "installation": installation,
        "scans": scans,
        "manage": may(membership, Action.MANAGE_INSTALLATIONS),
        "error": error,
        "url": url or _default_url(installation),
        "schedule": scanner.ScanSchedule.objects.filter(installation=installation).first(),
        "page_limit": scanner.PAGE_LIMIT,
    }
    return _page(request, membership, "portal/scans/list.html", context, status=status)


@organisation_view(Action.VIEW)
def scan_list(request, membership, installation_id):
    return _list_page(request, membership, _installation(membership, installation_id))


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def scan_create(request, membership, installation_id):
    installation = _installation(membership, installation_id)
    url = request.POST.get("url", "")[:500]
    try:
        scanner.scan_request(installation=installation, url=url, actor=request.user)
    except ValidationError as error:
        return _list_page(
            request, membership, installation, error=" ".join(error.messages), url=url, status=400
        )
    messages.success(request, _("The scan has started. Its results appear here in a few minutes."))
    return redirect(_scans_url(installation))


def _scan(installation, scan_id):
    # The installation is already the organisation's; a scan of another installation is 404.
    return object_for(
        scanner.Scan.objects.filter(installation=installation),
        organisation=installation.organisation,
        pk=scan_id,
        path_to_org="installation__organisation",
    )


@organisation_view(Action.VIEW)
def scan_detail(request, membership, installation_id, scan_id):
    installation = _installation(membership, installation_id)
    scan = _scan(installation, scan_id)
    report = scan.report or {}
    draft_services = [
        {"id": s["id"], "name": s.get("name", s["id"])} for s in installation.draft["services"]
    ]
    compared = scanner.compare_with_banner(report.get("services", []), draft_services)
    catalog = catalog_get()
    leaks = scanner.leak_groups(report)
    services = []
    for service in report.get("services", []):
        states = sorted({s for item in service["items"] for s in item["states"]})
        services.append(
            service
            | {
                "state_labels": [scanner.state_label(s) for s in scanner.STATES if s in states],
                "leaks": sum(1 for leak in leaks if leak["service_key"] == service["key"]),
            }
        )
    context = {
        "installation": installation,
        "scan": scan,
        "report": report,
        "services": services,
        "leaks": leaks,
        "not_in_banner": [
            s | {"in_catalog": bool(s["catalog_id"] and catalog.get(s["catalog_id"]))}
            for s in compared["not_in_banner"]
        ],
        "not_found": compared["not_found"],
        "unclassified": report.get("unclassified", []),
        "shots": set(scan.screenshots.values_list("name", flat=True)),
        "manage": may(membership, Action.MANAGE_INSTALLATIONS),
    }
    return _page(request, membership, "portal/scans/detail.html", context)


@organisation_view(Action.VIEW)
def scan_screenshot(request, membership, installation_id, scan_id, name):
    installation = _installation(membership, installation_id)
    scan = _scan(installation, scan_id)
    shot = scan.screenshots.filter(name=name).first()
    if shot is None:
        raise Http404
    response = HttpResponse(bytes(shot.image), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@organisation_view(Action.VIEW)
def scan_report_pdf(request, membership, installation_id, scan_id):
    installation = _installation(membership, installation_id)
    scan = _scan(installation, scan_id)
    if scan.status != scanner.Scan.Status.DONE:
        raise Http404
    language = "de" if (get_language() or "de").startswith("de") else "en"
    pdf = scanner.report_pdf(scan, language)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"scan-{scan.created_at:%Y-%m-%d}-{scan.pk}-{language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
