"""A database trigger that refuses UPDATE of audit entries, whatever path the statement takes.

DELETE is left to the retention engine and refused by the model; a trigger against it would
also stop the test runner, which empties tables with DELETE on SQLite. A removed entry shows
as a gap in the chain or a head that no entry matches (chain.verify)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER audit_auditentry_no_update"]
POSTGRES = [
    """CREATE FUNCTION audit_auditentry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit entries are append-only'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE
       ON audit_auditentry FOR EACH ROW EXECUTE FUNCTION audit_auditentry_append_only()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER audit_auditentry_append_only ON audit_auditentry",
    "DROP FUNCTION audit_auditentry_append_only()",
]


def forwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRES if postgres else SQLITE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRES_REVERSE if postgres else SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
