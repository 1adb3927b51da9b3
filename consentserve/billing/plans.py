"""The price list: the plans of the pricing page (website/plans.py), net prices in cents.

Seeded by migration 0003; `plans_seed` is idempotent and also restores the list where a test
database was emptied."""

PLANS = (
    # slug, name, monthly price, installations, consents a month, per further 10,000 (cents)
    ("starter", "Starter", 1900, 1, 10_000, 200),
    ("business", "Business", 4900, 5, 100_000, 150),
    ("agency", "Agency", 14900, 50, 600_000, 100),
)


def plans_seed(plan_model=None) -> None:
    if plan_model is None:
        from .models import Plan as plan_model
    for position, (slug, name, price, installations, consents, extra) in enumerate(PLANS):
        plan_model.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "monthly_price_cents": price,
                "included_installations": installations,
                "included_consents": consents,
                "extra_10k_price_cents": extra,
                "position": position,
            },
        )
