"""Append-only for real (issue 16), PostgreSQL only (the SQLite demo relies on the ORM guard).

- The row trigger still refuses every UPDATE and DELETE, except an UPDATE made inside
  `audit_accessevent_redact()` that changes nothing but `detail` (the retention path).
- A statement-level trigger refuses TRUNCATE. Throw-away databases (the test suite, the
  benchmarks, which Django flushes between tests) open their connections with
  `-c resettle.audit_truncate=allow`; nothing else does, and the application role has no TRUNCATE
  privilege whatever it sets.
- `audit_accessevent_redact(before, keys)`: SECURITY DEFINER, owned by the role that runs the
  migrations (the owner), removes the given keys from `detail` of events older than `before`
  (at least a day old). It is the only way the application role can change an event, and it can
  never delete one or change who, when, what or whom. EXECUTE is revoked from PUBLIC and granted to
  the application role by `manage.py db_app_role` (audit/db_roles.py).
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION audit_accessevent_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('resettle.audit_redact', true) = 'on'
       AND (NEW.id, NEW.at, NEW.user_id, NEW.agency_id, NEW.person_id, NEW.action,
            NEW.object_type, NEW.object_id)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.user_id, OLD.agency_id, OLD.person_id, OLD.action,
            OLD.object_type, OLD.object_id)
    THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'TRUNCATE' AND current_setting('resettle.audit_truncate', true) = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_accessevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS audit_accessevent_no_truncate ON audit_accessevent;
CREATE TRIGGER audit_accessevent_no_truncate BEFORE TRUNCATE ON audit_accessevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_accessevent_refuse_change();

CREATE OR REPLACE FUNCTION audit_accessevent_redact(before timestamptz, keys text[])
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    changed bigint;
BEGIN
    IF before IS NULL OR before > now() - interval '1 day' THEN
        RAISE EXCEPTION 'audit_accessevent_redact: only events more than a day old can be redacted';
    END IF;
    IF keys IS NULL OR cardinality(keys) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM set_config('resettle.audit_redact', 'on', true);
    EXECUTE format(
        'UPDATE %I.audit_accessevent SET detail = detail - $2 WHERE at < $1 AND detail ?| $2',
        __SCHEMA__
    ) USING before, keys;
    GET DIAGNOSTICS changed = ROW_COUNT;
    PERFORM set_config('resettle.audit_redact', 'off', true);
    RETURN changed;
END;
$$;
REVOKE ALL ON FUNCTION audit_accessevent_redact(timestamptz, text[]) FROM PUBLIC;
"""

DROP = """
DROP FUNCTION IF EXISTS audit_accessevent_redact(timestamptz, text[]);
DROP TRIGGER IF EXISTS audit_accessevent_no_truncate ON audit_accessevent;
CREATE OR REPLACE FUNCTION audit_accessevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_accessevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
    sql = CREATE.replace("__SCHEMA__", "'" + schema.replace("'", "''") + "'")
    schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_people_shown_index")]
    operations = [
        migrations.AlterModelOptions(
            name="accessevent",
            options={"base_manager_name": "objects", "ordering": ["-at", "-id"]},
        ),
        migrations.RunPython(forwards, backwards),
    ]
