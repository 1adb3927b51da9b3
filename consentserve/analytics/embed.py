"""The tracker tag a customer adds to the pages of an installation with analytics on: a script
of type text/plain that the installation's own banner runs only after consent. It names the
catalog service CONSENTserve Analytics when the banner has it, so visitors consent to it apart
from other statistics services (a category runs what names it once any of its services is
granted); otherwise the category statistics, as tags embedded before that service existed do.
Its address is absolute because the tracker sends its events to the host it was loaded from."""

from django.templatetags.static import static

from consentserve.installations.config import ANALYTICS_SERVICE

# What the tracker's `data-consent` names (banner runtime: a service id, else a category id).
SERVICE = ANALYTICS_SERVICE
CATEGORY = "statistics"


def has_service(draft: dict) -> bool:
    return any(service.get("id") == SERVICE for service in draft.get("services") or ())


def has_category(draft: dict) -> bool:
    return any(category.get("id") == CATEGORY for category in draft.get("categories") or ())


def consent_name(draft: dict) -> str:
    return SERVICE if has_service(draft) else CATEGORY


def tracker_tag(request, installation) -> str:
    """The tag as text to copy, or "" while the installation's analytics is off."""
    if not installation.analytics_enabled:
        return ""
    src = request.build_absolute_uri(static("analytics/tracker.js"))
    # Plain text: the template escapes it once, to show it in <code>.
    return (
        f'<script type="text/plain" data-consent="{consent_name(installation.draft)}" '
        f'data-key="{installation.public_key}" src="{src}"></script>'
    )
