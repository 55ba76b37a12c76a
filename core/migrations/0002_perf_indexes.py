"""Index-only migration from the performance work (docs/performance.md). PostgreSQL only.

- person_aliases_trgm: person search ORs first name, last name and aliases (icontains); without a
  trigram index on aliases the whole OR fell back to a sequential scan of every person (93 ms at
  100,000 people, 12 ms with it).
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS person_aliases_trgm ON casework_person USING gin (upper(aliases) gin_trgm_ops);
"""
DROP = """
DROP INDEX IF EXISTS person_aliases_trgm;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_pending_task"), ("casework", "0002_trigram_search")]
    operations = [migrations.RunPython(forwards, backwards)]
