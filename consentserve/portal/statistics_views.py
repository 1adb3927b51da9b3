"""The statistics page of one installation: totals and charts of its visitors' decisions over a
period, and the numbers per day as CSV.

Everything is read from the collector's roll-ups through `collector.statistics` (the API reads
the same), never from the consent records, which retention deletes. The charts are inline SVG
drawn on the server (statistics_charts.py); the filter is statistics_forms.py.

Scoping as in consent_views: `organisation_view` for the organisation and role, `object_for`
for the installation, so another customer's installation is 404. Everyone may read (VIEW)."""

import csv
import io
from datetime import date
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from consentserve.collector import statistics as stats
from consentserve.collector.exports import safe_cell
from consentserve.collector.models import ACTIONS, DeviceClass
from consentserve.core.charts import titled_bar_chart
from consentserve.installations.models import Installation

from . import statistics_charts as charts
from . import statistics_forms as forms
from .consent_forms import LANGUAGE_NAMES
from .scoping import Action, object_for, organisation_view, page_context
from .statistics_forms import StatisticsFilterForm

TEMPLATES = "portal/statistics/"
DEVICE_LABELS = dict(DeviceClass.choices)


def _offered_labels(installation: Installation) -> tuple[dict[str, str], dict[str, str]]:
    """Names of categories and services in the page's language, the newest version's first."""
    lang = (get_language() or "en")[:2]
    categories: dict[str, str] = {}
    services: dict[str, str] = {}
    for config in installation.versions.order_by("-number").values_list("config", flat=True):
        for category in config.get("categories") or ():
            label = category.get("label") or {}
            name = label.get(lang) or label.get("en") or str(category.get("id"))
            categories.setdefault(str(category.get("id")), name)
        for service in config.get("services") or ():
            services.setdefault(str(service.get("id")), service.get("name") or service.get("id"))
    return categories, services


# --- views ------------------------------------------------------------------------------------


def _installation(membership, installation_id) -> Installation:
    return object_for(
        Installation.objects.filter(organisation=membership.organisation),
        organisation=membership.organisation,
        pk=installation_id,
    )


def _versions(installation) -> list[int]:
    return list(installation.versions.order_by("number").values_list("number", flat=True))


def _form(request, installation) -> StatisticsFilterForm:
    return StatisticsFilterForm(request.GET or None, versions=_versions(installation))


def _shown_form(form, installation, first: date, last: date) -> StatisticsFilterForm:
    """The filter as shown above valid results: the dates of the period shown (a preset's too),
    so changing them starts from there, and the narrowing chosen."""
    narrowing = form.narrowing()
    initial = {
        "date_from": first,
        "date_to": last,
        "language": narrowing.language or "",
        "device": narrowing.device or "",
        "version": narrowing.version or "",
    }
    return StatisticsFilterForm(versions=_versions(installation), initial=initial)


@organisation_view(Action.VIEW)
def installation_statistics(request, membership, installation_id):
    installation = _installation(membership, installation_id)
    form = _form(request, installation)
    context = page_context(request, membership) | {
        "section": "installations",
        "installation": installation,
        "form": form,
    }
    if form.is_bound and not form.is_valid():
        return render(request, TEMPLATES + "page.html", context, status=400)
    first, last = form.period_dates()
    narrowing = form.narrowing()
    days = stats.per_day(installation, first, last, narrowing)
    actions = stats.action_totals(days)
    total = sum(actions.values())
    csv_query = {"date_from": first.isoformat(), "date_to": last.isoformat()}
    context |= {
        "first": first,
        "last": last,
        "day_count": len(days),
        "presets": form.preset_links(first, last, form.narrowing_query()),
        "narrowed": bool(narrowing),
        "total": total,
        "total_text": charts.count_text(total),
        "csv_query": "?" + urlencode(csv_query | form.narrowing_query()),
        "form": _shown_form(form, installation, first, last),
    }
    if not total:
        return render(request, TEMPLATES + "page.html", context)
    category_labels, service_labels = _offered_labels(installation)
    categories, services = stats.opt_in_rates(installation, first, last)
    category_bars = charts.opt_in_bars(categories, category_labels)
    service_bars = charts.opt_in_bars(services, service_labels)
    language_bars = charts.count_bars(
        stats.breakdown(installation, first, last, "language", narrowing), LANGUAGE_NAMES, total
    )
    device_bars = charts.count_bars(
        stats.breakdown(installation, first, last, "device", narrowing), DEVICE_LABELS, total
    )
    context |= {
        "totals": [
            {
                "action": action,
                "label": charts.ACTION_LABELS[action],
                "count": charts.count_text(count),
                "share": charts.percent_text(count, total),
            }
            for action, count in actions.items()
        ],
        "days": [
            {
                "day": day,
                "total": charts.count_text(sum(counts.values())),
                "counts": [charts.count_text(counts[action]) for action in ACTIONS],
            }
            for day, counts in days.items()
        ],
        "action_labels": [charts.ACTION_LABELS[action] for action in ACTIONS],
        "daily_chart": charts.daily_chart(days, total),
        "share_chart": charts.share_chart(actions, total),
        "category_bars": category_bars,
        "category_chart": titled_bar_chart(
            "chart-categories", _("Opt-in rate per category"), category_bars, rates=True
        ),
        "service_bars": service_bars,
        "service_chart": titled_bar_chart(
            "chart-services", _("Opt-in rate per service"), service_bars, rates=True
        ),
        "language_bars": language_bars,
        "language_chart": titled_bar_chart(
            "chart-languages", _("Decisions by language"), language_bars, rates=False
        ),
        "device_bars": device_bars,
        "device_chart": titled_bar_chart(
            "chart-devices", _("Decisions by device class"), device_bars, rates=False
        ),
    }
    return render(request, TEMPLATES + "page.html", context)


CSV_COLUMNS = ("day", "decisions", *ACTIONS)


@organisation_view(Action.VIEW)
def installation_statistics_csv(request, membership, installation_id):
    """The decisions per day (UTC) of the period and filters, by action."""
    installation = _installation(membership, installation_id)
    form = _form(request, installation)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            _("The filters are not valid: %(errors)s") % {"errors": forms.errors_text(form)},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    first, last = form.period_dates()
    days = stats.per_day(installation, first, last, form.narrowing())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for day, counts in days.items():
        cells = [day.isoformat(), sum(counts.values()), *(counts[a] for a in ACTIONS)]
        writer.writerow([safe_cell(c) if isinstance(c, str) else c for c in cells])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"consent-statistics-{installation.public_key}-{first}-{last}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
