"""On PostgreSQL, consent records become a table partitioned by month (collector/partitions.py,
docs/adr/0006). Django's model state does not change: on SQLite the table stays as it is."""

from django.db import migrations

from consentserve.collector.partitions import table_partition


def forwards(apps, schema_editor):
    table_partition(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("collector", "0002_statistics_rollups"),
        ("installations", "0002_consent_retention_years"),
    ]

    # Going back keeps the partitioned table: it behaves like the plain one for every query.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
