"""The consent log in the portal: records of one installation or of all the organisation's
installations, filtered and paged by keyset; the proof page of one record with the exact
published version shown, a live preview of that version and a JSON download; exports of any
installation's selection as CSV or JSON Lines, written in the background.

Every view goes through portal.scoping: the organisation and role with `organisation_view`,
the installation and the record with `object_for`, so another customer's installation or
record is 404. Everyone in the organisation may read and export (Action.VIEW)."""

import json
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin

from consentserve.api import export_jobs
from consentserve.banner.loader import preview_response
from consentserve.collector.log_selectors import (
    Cursor,
    RecordFilter,
    granted,
    log_page,
    records_for,
)
from consentserve.collector.models import ConsentRecord
from consentserve.collector.proof import proof_document, proof_of, shown_categories, shown_texts
from consentserve.installations.models import Installation, PublishedVersion

from .consent_forms import LANGUAGE_NAMES, ConsentFilterForm
from .scoping import Action, object_for, organisation_view, page_context

TEMPLATES = "portal/consents/"
ACTION_LABELS = dict(ConsentRecord.Action.choices)
TEXT_LABELS = {
    "title": gettext_lazy("Title"),
    "body": gettext_lazy("Text"),
    "accept_all": gettext_lazy("Button to accept all"),
    "reject_all": gettext_lazy("Button to reject all"),
    "settings": gettext_lazy("Button to the settings"),
    "save": gettext_lazy("Button to save the selection"),
    "privacy_label": gettext_lazy("Link to the privacy policy"),
    "privacy_url": gettext_lazy("Address of the privacy policy"),
    "imprint_label": gettext_lazy("Link to the imprint"),
    "imprint_url": gettext_lazy("Address of the imprint"),
    "reopen_label": gettext_lazy("Button to reopen the banner"),
    "services_count": gettext_lazy("Number of services"),
}


def _page(request, membership, template, context, *, status=200):
    base = page_context(request, membership) | {"section": "consents"}
    return render(request, TEMPLATES + template, base | context, status=status)


def _installations(membership):
    return Installation.objects.filter(organisation=membership.organisation)


def _installation(membership, installation_id) -> Installation:
    return object_for(
        _installations(membership), organisation=membership.organisation, pk=installation_id
    )


def _record(membership, installation, record_id) -> ConsentRecord:
    return object_for(
        ConsentRecord.objects.filter(installation=installation).select_related(
            "version", "installation"
        ),
        organisation=membership.organisation,
        pk=record_id,
        path_to_org="installation__organisation",
    )


def _lang(request) -> str:
    return (request.LANGUAGE_CODE or "en")[:2]


# --- the log ----------------------------------------------------------------------------------


def _category_labels(version_ids, lang: str) -> dict[int, dict[str, str]]:
    """Per version, its categories' labels: a page shows records of a few versions only."""
    labels = {}
    for pk, config in PublishedVersion.objects.filter(pk__in=set(version_ids)).values_list(
        "pk", "config"
    ):
        labels[pk] = {
            c["id"]: (c.get("label") or {}).get(lang) or c["id"]
            for c in config.get("categories") or []
        }
    return labels


def _in_order(ids: list[str], labels: dict[str, str]) -> list[str]:
    """Labels of `ids` in the version's order of categories (JSON objects keep no order on
    PostgreSQL), unknown IDs last."""
    known = [label for cid, label in labels.items() if cid in ids]
    return known + [cid for cid in ids if cid not in labels]


def _rows(page_rows, lang: str, names: dict[int, str]) -> list[dict]:
    labels = _category_labels([row["version_id"] for row in page_rows], lang)
    rows = []
    for row in page_rows:
        version_labels = labels.get(row["version_id"], {})
        rows.append(
            row
            | {
                "action_label": ACTION_LABELS.get(row["action"], row["action"]),
                "granted": _in_order(granted(row["choices"]), version_labels),
                "language_label": LANGUAGE_NAMES.get(row["language"], row["language"]),
                "installation_name": names.get(row["installation_id"], ""),
            }
        )
    return rows


def _log(request, membership, installation=None):
    installations = _installations(membership)
    choices = None
    if installation is None:
        choices = list(installations.order_by("name", "pk").values_list("pk", "name"))
    else:
        installations = installations.filter(pk=installation.pk)
    form = ConsentFilterForm(request.GET or None, installations=choices)
    context = {
        "installation": installation,
        "form": form,
        "rows": [],
        "page": None,
        "any_records": True,
        "filtered": False,
        "installation_links": choices or [],
    }
    if request.GET and not form.is_valid():
        return _page(request, membership, "log.html", context, status=400)
    criteria = form.criteria() if form.is_bound else RecordFilter()
    query = form.query() if form.is_bound else {}
    try:
        after = Cursor.decode(request.GET["after"]) if request.GET.get("after") else None
        before = Cursor.decode(request.GET["before"]) if request.GET.get("before") else None
    except ValueError:
        context["cursor_error"] = _("This page link is not valid; start again from the first page.")
        return _page(request, membership, "log.html", context, status=400)
    ids = list(installations.values_list("pk", flat=True))
    if criteria.installation_id is not None:
        ids = [pk for pk in ids if pk == criteria.installation_id]
    records = records_for(ids, criteria)
    page = log_page(records, after=after, before=before, split_by=ids)
    names = dict(installations.values_list("pk", "name")) if installation is None else {}
    context |= {
        "rows": _rows(page.rows, _lang(request), names),
        "page": page,
        "filtered": bool(query),
        "newer_url": "?" + urlencode(query | {"before": page.newer.encode()})
        if page.newer
        else None,
        "older_url": "?" + urlencode(query | {"after": page.older.encode()})
        if page.older
        else None,
        "first_url": "?" + urlencode(query) if (after or before) else None,
        # The export form repeats the filters; the installation is this page's or chosen.
        "export_fields": sorted((k, v) for k, v in query.items() if k != "installation"),
        "export_installation": installation.pk if installation else criteria.installation_id,
    }
    if not page.rows and not query and after is None and before is None:
        context["any_records"] = records.exists()
    if installation is not None:
        context["self_service_example"] = request.build_absolute_uri(
            reverse(
                "consent-self-service",
                kwargs={"public_key": installation.public_key, "consent_id": "CONSENT-ID"},
            )
        )
    return _page(request, membership, "log.html", context)


@organisation_view(Action.VIEW)
def consent_log(request, membership):
    return _log(request, membership)


@organisation_view(Action.VIEW)
def installation_consent_log(request, membership, installation_id):
    return _log(request, membership, _installation(membership, installation_id))


# --- exports ----------------------------------------------------------------------------------
# Written in the background as the API writes them (api/export_jobs.py): one installation, the
# API's format, gzipped, with progress on the exports page and a link that expires.

EXPORT_FORMATS = {"csv": "CSV", "jsonl": "JSON Lines"}
EXPORTS_SHOWN = 20


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _export_filters(criteria) -> dict:
    """The portal's filters (whole days in local time) in the API's terms."""
    return export_jobs.filters_dict(
        from_=_day_start(criteria.date_from) if criteria.date_from else None,
        to=_day_start(criteria.date_to + timedelta(days=1)) if criteria.date_to else None,
        action=criteria.action,
        version=criteria.version,
        language=criteria.language,
        consent_id=criteria.consent_id,
    )


def _export_refused(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _export_request(request, membership):
    choices = list(_installations(membership).values_list("pk", "name"))
    form = ConsentFilterForm(request.POST, installations=choices)
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[name].label if name in form.fields else name}: {' '.join(messages)}"
            for name, messages in form.errors.items()
        )
        return _export_refused(_("The filters are not valid: %(errors)s") % {"errors": errors})
    fmt = request.POST.get("format", "")
    if fmt not in EXPORT_FORMATS:
        return _export_refused(_("Choose CSV or JSON Lines as the format."))
    criteria = form.criteria()
    if criteria.installation_id is None:
        return _export_refused(_("Choose the installation whose records to export."))
    export_jobs.export_request(
        _installation(membership, criteria.installation_id),
        fmt=fmt,
        filters=_export_filters(criteria),
        user=request.user,
    )
    return redirect("portal:consent-exports", membership.organisation.pk)


def _export_rows(jobs) -> list[dict]:
    rows = []
    for job in jobs:
        progress = job.progress
        rows.append(
            {
                "job": job,
                "format": EXPORT_FORMATS[job.format],
                "filters": ", ".join(f"{key}={value}" for key, value in job.filters.items()),
                "percent": None if progress is None else int(progress * 100),
                "download": export_jobs.download_path(job),
                "expires_at": export_jobs.expires_at(job),
                "file_name": export_jobs.file_name(job),
            }
        )
    return rows


@organisation_view(Action.VIEW, methods=("GET", "HEAD", "POST"))
def consent_exports(request, membership):
    """GET: the organisation's recent exports with their progress; POST: a new export of one
    installation and the filters given (everyone who may read the log may export it)."""
    if request.method == "POST":
        return _export_request(request, membership)
    jobs = export_jobs.exports_recent(membership.organisation, limit=EXPORTS_SHOWN)
    context = {
        "rows": _export_rows(jobs),
        "working": any(job.state in ("queued", "running") for job in jobs),
        "link_hours": export_jobs.LINK_SECONDS // 3600,
        "keep_days": export_jobs.KEEP.days,
    }
    return _page(request, membership, "exports.html", context)


# --- proof ------------------------------------------------------------------------------------


@organisation_view(Action.VIEW)
def consent_proof(request, membership, installation_id, record_id):
    installation = _installation(membership, installation_id)
    record = _record(membership, installation, record_id)
    proof = proof_of(record)
    config = proof.version.config
    choices = record.choices or {}
    context = {
        "installation": installation,
        "record": record,
        "proof": proof,
        "version": proof.version,
        "texts": [(key, TEXT_LABELS.get(key, key), text) for key, text in shown_texts(proof)],
        "categories": shown_categories(proof),
        "granted_services": granted(choices, "services"),
        "languages": config.get("languages") or [],
        "language_label": LANGUAGE_NAMES.get(proof.language, proof.language),
        "domains": config.get("domains") or [],
    }
    return _page(request, membership, "proof.html", context)


@organisation_view(Action.VIEW)
def consent_proof_download(request, membership, installation_id, record_id):
    installation = _installation(membership, installation_id)
    record = _record(membership, installation, record_id)
    document = proof_document(proof_of(record))
    body = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"consent-proof-{installation.public_key}-{record.pk}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
@organisation_view(Action.VIEW)
def consent_proof_preview(request, membership, installation_id, record_id):
    """A stand-in page for the proof page's iframe that runs the record's version of the banner
    (from the script below) in the record's language."""
    installation = _installation(membership, installation_id)
    record = _record(membership, installation, record_id)
    proof = proof_of(record)
    layer = "2" if request.GET.get("layer") == "2" else "1"
    context = {
        "installation": installation,
        "record": record,
        "lang": proof.language,
        "layer": layer,
    }
    return render(request, TEMPLATES + "preview.html", context)


@organisation_view(Action.VIEW)
def consent_proof_script(request, membership, installation_id, record_id):
    """The record's published version (never the draft) in preview mode and the runtime: the
    runtime skips the origin check, reads and writes no cookie or storage and records nothing."""
    installation = _installation(membership, installation_id)
    record = _record(membership, installation, record_id)
    return preview_response(record.version.config, request.GET.get("layer"))
