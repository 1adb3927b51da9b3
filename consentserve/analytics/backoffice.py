"""The back office's analytics dashboard for the operator's own website and portal: visitors,
page views, pages, entry and exit pages, referrers, browsers, systems, devices, screen classes
and languages over a period, as inline-SVG charts and tables, read from the roll-ups only
(dashboard.py, shared with the portal). Staff with the permission to view the roll-ups
(superusers have it)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from consentserve.installations.facade import installation_by_key

from .dashboard import dashboard_context

PERMISSION = "analytics.view_analyticsdaily"


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
def dashboard(request):
    installation = installation_by_key(settings.CONSENTSERVE_OPERATOR_INSTALLATION)
    context = {
        **admin.site.each_context(request),
        "title": _("Website analytics"),
        **dashboard_context(request, installation),
    }
    return TemplateResponse(request, "analytics/backoffice/dashboard.html", context)
