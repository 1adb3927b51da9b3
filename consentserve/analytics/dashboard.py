"""The analytics dashboard's content for one installation and a period, shared by the back
office (the operator's website and portal, backoffice.py) and the portal (a customer's
installation, portal_views.py): the period form, its presets and, for a valid period, the
report read from the roll-ups as totals, inline-SVG charts and tables."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consentserve.collector.models import DeviceClass
from consentserve.core.charts import count_text

from . import charts
from .forms import DashboardPeriodForm
from .selectors import report

SCREEN_LABELS = {
    "s": gettext_lazy("small (under 640 px)"),
    "m": gettext_lazy("medium (640 to 1023 px)"),
    "l": gettext_lazy("large (1024 to 1439 px)"),
    "xl": gettext_lazy("very large (1440 px and more)"),
}


def dashboard_context(request, installation) -> dict:
    """`valid` is False for a bad period (the form shows why); no report is read then, nor
    without an installation."""
    form = DashboardPeriodForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    first, last = form.period_dates()
    context = {
        "form": form,
        "valid": valid,
        "first": first,
        "last": last,
        "installation": installation,
        "presets": form.preset_links(first, last) if valid else [],
    }
    if installation is not None and valid:
        context.update(_view(report(installation.pk, first, last)))
    return context


def _view(data) -> dict:
    devices = dict(DeviceClass.choices)
    views, visits = data.views, data.visits
    sections = [
        ("pages", _("Pages"), data.pages, "views", views, {}),
        ("entries", _("Entry pages"), data.entries, "visits", visits, {}),
        ("exits", _("Exit pages"), data.exit_pages, "exits", data.exits, {}),
        ("referrers", _("Referring sites"), data.referrers, "visits", visits, {}),
        ("browsers", _("Browsers"), data.browsers, "views", views, {}),
        ("systems", _("Operating systems"), data.systems, "views", views, {}),
        ("devices", _("Devices"), data.devices, "views", views, devices),
        ("screens", _("Screen sizes"), data.screens, "views", views, SCREEN_LABELS),
        ("languages", _("Languages"), data.languages, "views", views, {}),
    ]
    measures = {"views": _("Page views"), "visits": _("Visits"), "exits": _("Exits")}
    blocks = []
    for key, title, rows, measure, total, labels in sections:
        items = charts.bars(rows, measure, total, labels)
        blocks.append(
            {
                "id": key,
                "title": title,
                "measure": measures[measure],
                "chart": charts.top_chart(f"chart-{key}", title, items),
                "items": items,
            }
        )
    return {
        "report": data,
        "totals": [
            (_("Visitors"), count_text(data.visitors)),
            (_("Visits"), count_text(data.visits)),
            (_("Page views"), count_text(data.views)),
        ],
        "daily_chart": charts.daily_chart(data.days) if data.views else None,
        "day_rows": [
            (day, count_text(row.views), count_text(row.visits), count_text(row.visitors))
            for day, row in data.days.items()
        ],
        "blocks": blocks,
    }
