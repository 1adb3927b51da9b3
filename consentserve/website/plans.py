"""The plans shown on the pricing page. Prices are monthly, in euros, before VAT."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Plan:
    slug: str
    name: str  # a product name, the same in every language
    monthly_price_eur: int
    websites: int
    monthly_page_views: int
    summary: Promise
    features: tuple[Promise, ...]
    highlighted: bool = False


PLANS = (
    Plan(
        slug="starter",
        name="Starter",
        monthly_price_eur=19,
        websites=1,
        monthly_page_views=50_000,
        summary=_("For a single company website."),
        features=(
            _("Consent banner in German and English"),
            _("Proof of every consent decision"),
            _("Google Consent Mode v2"),
            _("Consent statistics"),
            _("Support by e-mail"),
        ),
    ),
    Plan(
        slug="business",
        name="Business",
        monthly_price_eur=49,
        websites=5,
        monthly_page_views=500_000,
        summary=_("For companies with several websites and shops."),
        features=(
            _("Everything in Starter"),
            _("Your own banner design and texts"),
            _("Export of consent records as JSON and CSV"),
            _("Scripts and embeds blocked until consent"),
            _("Priority support by e-mail"),
        ),
        highlighted=True,
    ),
    Plan(
        slug="agency",
        name="Agency",
        monthly_price_eur=149,
        websites=50,
        monthly_page_views=3_000_000,
        summary=_("For agencies that look after their clients' websites."),
        features=(
            _("Everything in Business"),
            _("All client websites in one portal"),
            _("Team members with roles"),
            _("Banner templates for all clients"),
            _("Support by phone"),
        ),
    ),
)


def plan_by_slug(slug: str) -> Plan | None:
    return next((plan for plan in PLANS if plan.slug == slug), None)
