"""The tracker tag a customer adds to the pages of an installation with analytics on: a script
of type text/plain that the installation's own banner runs only after consent to statistics.
Its address is absolute because the tracker sends its events to the host it was loaded from."""

from django.templatetags.static import static

# The banner category whose consent runs the tracker (banner runtime: data-consent).
CATEGORY = "statistics"


def tracker_tag(request, installation) -> str:
    """The tag as text to copy, or "" while the installation's analytics is off."""
    if not installation.analytics_enabled:
        return ""
    src = request.build_absolute_uri(static("analytics/tracker.js"))
    # Plain text: the template escapes it once, to show it in <code>.
    return (
        f'<script type="text/plain" data-consent="{CATEGORY}" '
        f'data-key="{installation.public_key}" src="{src}"></script>'
    )


def has_category(draft: dict) -> bool:
    return any(category.get("id") == CATEGORY for category in draft.get("categories") or ())
