"""The portal's analytics dashboard of one customer installation: the back office's content
(dashboard.py) for the installation's own events. Scoped like the portal's statistics page:
`organisation_view` for the organisation and role, `object_for` for the installation, so another
customer's installation is 404. Everyone may read (VIEW); while the installation's analytics
is off the page says so and where to turn it on."""

from django.shortcuts import render

from consentserve.installations.facade import installations_of
from consentserve.portal.scoping import Action, object_for, organisation_view, page_context

from .dashboard import dashboard_context
from .embed import has_category, has_service


@organisation_view(Action.VIEW)
def installation_analytics(request, membership, installation_id):
    installation = object_for(
        installations_of(membership.organisation),
        organisation=membership.organisation,
        pk=installation_id,
    )
    context = (
        page_context(request, membership)
        | dashboard_context(request, installation)
        | {
            "section": "installations",
            "analytics_category": has_category(installation.draft),
            "analytics_service": has_service(installation.draft),
        }
    )
    status = 200 if context["valid"] else 400
    return render(request, "portal/analytics/page.html", context, status=status)
