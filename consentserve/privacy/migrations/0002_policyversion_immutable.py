"""A database trigger that refuses UPDATE of published policy versions (R-REG-4).

Deleting is refused by the model and its queryset. A DELETE trigger is left out on purpose:
the test runner empties tables between transactional tests, and on SQLite it does so with
DELETE; a deleted version also cannot pass for another one, since numbers are unique and the
page shows each version's hash."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER privacy_policyversion_no_update BEFORE UPDATE ON privacy_policyversion
       BEGIN SELECT RAISE(ABORT, 'published privacy-policy versions are immutable'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER privacy_policyversion_no_update",
]
POSTGRES = [
    """CREATE FUNCTION privacy_policyversion_immutable() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'published privacy-policy versions are immutable'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER privacy_policyversion_immutable BEFORE UPDATE
       ON privacy_policyversion FOR EACH ROW EXECUTE FUNCTION privacy_policyversion_immutable()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER privacy_policyversion_immutable ON privacy_policyversion",
    "DROP FUNCTION privacy_policyversion_immutable()",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = (
        POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
