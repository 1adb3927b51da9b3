"""The Content-Security-Policy of every page: settings.CONTENT_SECURITY_POLICY, plus Google's
hosts while the website's banner loads Google Analytics 4 (CONSENTSERVE_GA4_MEASUREMENT_ID).

Admitting the hosts requests nothing: the banner loads Google's tag only after consent. Decided
per response rather than in the settings module, so the policy follows the setting wherever it
is changed (tests included)."""

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings

# Google's documented policy for GA4: where its tag is loaded from and where it reports to.
GOOGLE_ANALYTICS = {
    "script-src": ["https://*.googletagmanager.com"],
    "img-src": ["https://*.google-analytics.com", "https://*.googletagmanager.com"],
    "connect-src": [
        "https://*.google-analytics.com",
        "https://*.analytics.google.com",
        "https://*.googletagmanager.com",
    ],
}


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if settings.CONSENTSERVE_GA4_MEASUREMENT_ID and not report_only:
            update = dict(parts.update or {})
            for directive, sources in GOOGLE_ANALYTICS.items():
                update[directive] = [*update.get(directive, []), *sources]
            parts.update = update
        return parts
