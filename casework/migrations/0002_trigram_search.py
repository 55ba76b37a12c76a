from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS person_last_name_trgm ON casework_person USING gin (upper(last_name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS person_first_name_trgm ON casework_person USING gin (upper(first_name) gin_trgm_ops);
"""
DROP = """
DROP INDEX IF EXISTS person_last_name_trgm;
DROP INDEX IF EXISTS person_first_name_trgm;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
