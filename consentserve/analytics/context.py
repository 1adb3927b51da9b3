"""`operator_analytics` for the website's base template: whether its pages carry the tracker
tag (blocked until the visitor consents to statistics in the operator's banner)."""

from django.conf import settings

from .sites import operator_enabled


def analytics(request):
    key = settings.CONSENTSERVE_OPERATOR_INSTALLATION
    return {"operator_analytics": bool(key) and operator_enabled(key)}
