"""List and search pages name the people they showed in detail["people"]: a person's access log reads
them through this index (PostgreSQL only; the SQLite demo scans its small table)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS audit_people_shown ON audit_accessevent "
            "USING gin ((detail -> 'people') jsonb_path_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS audit_people_shown")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [migrations.RunPython(create, drop)]
