"""The plans of the pricing page, as the price list invoices are computed from."""

from django.db import migrations

from consentserve.billing.plans import plans_seed


def seed(apps, schema_editor):
    plans_seed(apps.get_model("billing", "Plan"))


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_plans_invoices")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
