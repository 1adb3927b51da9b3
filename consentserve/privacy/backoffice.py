"""Back-office pages of the privacy app beyond the admin's model lists: the retention dashboard
and the record of processing activities (Art. 30). Staff need the permission to view retention
runs; both pages are read-only."""

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from consentserve.audit.chain import actor_of, record

from .models import RetentionRun
from .record import record_json, record_pdf
from .retention import FORECAST_DAYS, retention_forecast

PERMISSION = "privacy.view_retentionrun"
LANGUAGES = ("de", "en")
# Width of the dashboard's bars in SVG units (attributes, not inline styles: the CSP forbids those).
BAR_WIDTH = 240
BAR_COLOURS = ("#c7d2fe", "#a5b4fc", "#818cf8", "#6366f1", "#3730a3")  # one per horizon


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
def retention_dashboard(request):
    now = timezone.now()
    forecasts = retention_forecast(now=now)
    largest = max((f.due_by[-1] for f in forecasts), default=0) or 1
    rows = [
        {
            "forecast": forecast,
            "counts": list(zip(FORECAST_DAYS, forecast.due_by, strict=True)),
            # Cumulative counts drawn as nested bars, the longest (a year) first and lightest,
            # what is due now last and darkest.
            "bars": [
                (round(BAR_WIDTH * count / largest), colour)
                for count, colour in zip(reversed(forecast.due_by), BAR_COLOURS, strict=True)
            ],
        }
        for forecast in forecasts
    ]
    context = {
        **admin.site.each_context(request),
        "title": _("Retention: what becomes due when"),
        "rows": rows,
        "horizons": FORECAST_DAYS,
        "bar_width": BAR_WIDTH,
        "runs": RetentionRun.objects.order_by("-started_at")[:20],
        "now": now,
        "languages": LANGUAGES,
    }
    return TemplateResponse(request, "privacy/backoffice/retention.html", context)


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
def processing_record_download(request, language: str, fmt: str):
    if language not in LANGUAGES or fmt not in ("json", "pdf"):
        raise Http404("no such record")
    if fmt == "json":
        body, content_type = record_json(language), "application/json"
    else:
        body, content_type = record_pdf(language), "application/pdf"
    record(
        "privacy.record_export",
        actor=actor_of(request.user),
        detail={"language": language, "format": fmt},
    )
    response = HttpResponse(body, content_type=content_type)
    filename = f"processing-record-{timezone.localdate():%Y-%m-%d}-{language}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
