"""Which installations take analytics events. Today the operator's own website and portal
(the operator installation, settings CONSENTSERVE_ANALYTICS_OPERATOR); customers' installations
can be added here later without changing the ingest or the storage, which are keyed by
installation already."""

from django.conf import settings


def analytics_enabled(public_key: str) -> bool:
    operator = settings.CONSENTSERVE_OPERATOR_INSTALLATION
    return bool(operator) and public_key == operator and settings.CONSENTSERVE_ANALYTICS_OPERATOR
