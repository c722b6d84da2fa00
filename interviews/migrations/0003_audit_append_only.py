from django.db import migrations

# PostgreSQL refuses to change or remove audit records; the hash chain catches it anywhere else.
# (TRUNCATE stays possible for the test suite's flush; it needs table ownership anyway.)
CREATE = """
CREATE OR REPLACE FUNCTION interviews_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER interviews_auditrecord_append_only
    BEFORE UPDATE OR DELETE ON interviews_auditrecord
    FOR EACH ROW EXECUTE FUNCTION interviews_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS interviews_auditrecord_append_only ON interviews_auditrecord;
DROP FUNCTION IF EXISTS interviews_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("interviews", "0002_audit_trail")]
    operations = [migrations.RunPython(forwards, backwards)]
