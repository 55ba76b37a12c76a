"""The audit table partitioned by month (issue 23), PostgreSQL only (the SQLite demo keeps its plain
table; ArchivedMonth exists on both).

- `audit_accessevent` becomes a table partitioned by RANGE (at), one partition a month
  (`audit_accessevent_pYYYY_MM`, bounds in UTC) plus `audit_accessevent_default` for events whose
  month has no partition yet (a back-dated event, or the scheduled job not having run). The existing
  rows are copied across, so the conversion keeps every event (a one-off: about a minute per
  10 million events).
- The primary key at database level is (id, at), because a unique constraint on a partitioned table
  must include the partition key; Django keeps `id` as the model's pk (ids still come from one
  sequence and are unique).
- The append-only row trigger is defined on the parent, so PostgreSQL puts it on every partition,
  present and future; the TRUNCATE trigger is put on every partition when it is made.
- `audit_accessevent_partition_ensure(month)`: SECURITY DEFINER (the owner), creates the month's
  partition if missing, moving any events of that month out of the default partition, adds the
  TRUNCATE trigger and revokes every right on the partition from every role but the owner (the
  application reaches events only through the parent, where it may SELECT and INSERT). Run by
  `migrate` for the current and next months (audit/apps.py) and by the daily `audit_partitions`
  job for the months ahead.
- `audit_accessevent_default_months()`: SECURITY DEFINER, the months waiting in the default partition.
- `audit_accessevent_partition_drop(month, events)`: SECURITY DEFINER, detaches and drops one month
  once `audit_archivedmonth` records an archive of exactly that many events, and never a month that
  ended less than 12 months ago (audit/archive.py).
"""

import django.utils.timezone
from django.db import migrations, models

TRIGGER_FUNCTION = r"""
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
    -- Moving a month's events out of the default partition into their new partition (only inside
    -- audit_accessevent_partition_ensure, run as the owner: nobody else may DELETE at all).
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_accessevent_default'
       AND current_setting('resettle.audit_move', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'TRUNCATE' AND current_setting('resettle.audit_truncate', true) = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_accessevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION audit_accessevent_lock_down(part text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    sch text := __SCHEMA__;
    grantee text;
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS audit_accessevent_no_truncate ON %I.%I', sch, part);
    EXECUTE format(
        'CREATE TRIGGER audit_accessevent_no_truncate BEFORE TRUNCATE ON %I.%I '
        'FOR EACH STATEMENT EXECUTE FUNCTION %I.audit_accessevent_refuse_change()', sch, part, sch);
    EXECUTE format('REVOKE ALL ON %I.%I FROM PUBLIC', sch, part);
    FOR grantee IN
        SELECT DISTINCT pg_get_userbyid(a.grantee)
        FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = format('%I.%I', sch, part)::regclass
          AND a.grantee <> c.relowner AND a.grantee <> 0
    LOOP
        EXECUTE format('REVOKE ALL ON %I.%I FROM %I', sch, part, grantee);
    END LOOP;
END;
$$;
REVOKE ALL ON FUNCTION audit_accessevent_lock_down(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION audit_accessevent_partition_ensure(month date) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    sch text := __SCHEMA__;
    first date := date_trunc('month', month)::date;
    start_at timestamptz := make_timestamptz(
        extract(year FROM first)::int, extract(month FROM first)::int, 1, 0, 0, 0, 'UTC');
    end_at timestamptz := start_at + interval '1 month';
    part text := format('audit_accessevent_p%s', to_char(first, 'YYYY_MM'));
    waiting bigint;
BEGIN
    IF month IS NULL THEN
        RAISE EXCEPTION 'audit_accessevent_partition_ensure: no month';
    END IF;
    IF to_regclass(format('%I.%I', sch, part)) IS NOT NULL THEN
        RETURN part;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('audit_accessevent_partition'));
    IF to_regclass(format('%I.%I', sch, part)) IS NOT NULL THEN  -- made meanwhile
        RETURN part;
    END IF;
    EXECUTE format('SELECT count(*) FROM %I.audit_accessevent_default WHERE at >= $1 AND at < $2',
                   sch) INTO waiting USING start_at, end_at;
    IF waiting > 0 THEN
        DROP TABLE IF EXISTS pg_temp.audit_accessevent_moving;
        PERFORM set_config('resettle.audit_move', 'on', true);
        EXECUTE format(
            'CREATE TEMP TABLE audit_accessevent_moving ON COMMIT DROP AS '
            'WITH moved AS (DELETE FROM %I.audit_accessevent_default '
            'WHERE at >= $1 AND at < $2 RETURNING *) SELECT * FROM moved', sch)
            USING start_at, end_at;
        PERFORM set_config('resettle.audit_move', 'off', true);
    END IF;
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.audit_accessevent FOR VALUES FROM (%L) TO (%L)',
                   sch, part, sch, start_at, end_at);
    EXECUTE format('SELECT %I.audit_accessevent_lock_down($1)', sch) USING part;
    IF waiting > 0 THEN
        EXECUTE format('INSERT INTO %I.audit_accessevent SELECT * FROM pg_temp.audit_accessevent_moving',
                       sch);
        DROP TABLE pg_temp.audit_accessevent_moving;
    END IF;
    RETURN part;
END;
$$;
REVOKE ALL ON FUNCTION audit_accessevent_partition_ensure(date) FROM PUBLIC;

CREATE OR REPLACE FUNCTION audit_accessevent_default_months() RETURNS SETOF date
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT DISTINCT date_trunc(''month'', at AT TIME ZONE ''UTC'')::date '
        'FROM %I.audit_accessevent_default ORDER BY 1', __SCHEMA__);
END;
$$;
REVOKE ALL ON FUNCTION audit_accessevent_default_months() FROM PUBLIC;

CREATE OR REPLACE FUNCTION audit_accessevent_partition_drop(month date, events bigint) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    sch text := __SCHEMA__;
    first date := date_trunc('month', month)::date;
    part text := format('audit_accessevent_p%s', to_char(first, 'YYYY_MM'));
    found bigint;
BEGIN
    IF first + interval '1 month' > now() - interval '12 months' THEN
        RAISE EXCEPTION 'audit_accessevent_partition_drop: % ended less than 12 months ago', first;
    END IF;
    IF to_regclass(format('%I.%I', sch, part)) IS NULL THEN
        RETURN 0;
    END IF;
    EXECUTE format('SELECT count(*) FROM %I.%I', sch, part) INTO found;
    IF found <> events THEN
        RAISE EXCEPTION 'audit_accessevent_partition_drop: % holds % events, not %', part, found, events;
    END IF;
    EXECUTE format('SELECT count(*) FROM %I.audit_archivedmonth WHERE month = $1 AND events = $2', sch)
        INTO found USING first, events;
    IF found <> 1 THEN
        RAISE EXCEPTION 'audit_accessevent_partition_drop: no archive of % recorded', part;
    END IF;
    EXECUTE format('ALTER TABLE %I.audit_accessevent DETACH PARTITION %I.%I', sch, sch, part);
    EXECUTE format('DROP TABLE %I.%I', sch, part);
    RETURN events;
END;
$$;
REVOKE ALL ON FUNCTION audit_accessevent_partition_drop(date, bigint) FROM PUBLIC;
"""

CONVERT = r"""
LOCK TABLE audit_accessevent IN ACCESS EXCLUSIVE MODE;
ALTER TABLE audit_accessevent RENAME TO audit_accessevent_unpartitioned;
CREATE TABLE audit_accessevent (LIKE audit_accessevent_unpartitioned) PARTITION BY RANGE (at);
CREATE TABLE audit_accessevent_default PARTITION OF audit_accessevent DEFAULT;
SELECT audit_accessevent_partition_ensure(m::date) FROM generate_series(
    date_trunc('month', LEAST(now(), (SELECT min(at) FROM audit_accessevent_unpartitioned))
               AT TIME ZONE 'UTC'),
    date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month',
    interval '1 month') AS m;
INSERT INTO audit_accessevent SELECT * FROM audit_accessevent_unpartitioned;
CREATE SEQUENCE audit_accessevent_id_seq_p;
SELECT setval('audit_accessevent_id_seq_p',
              COALESCE((SELECT max(id) FROM audit_accessevent_unpartitioned), 0) + 1, false);
DROP TABLE audit_accessevent_unpartitioned;
ALTER SEQUENCE audit_accessevent_id_seq_p RENAME TO audit_accessevent_id_seq;
ALTER SEQUENCE audit_accessevent_id_seq OWNED BY audit_accessevent.id;
ALTER TABLE audit_accessevent ALTER COLUMN id SET DEFAULT nextval('audit_accessevent_id_seq');
ALTER TABLE audit_accessevent ADD CONSTRAINT audit_accessevent_pkey PRIMARY KEY (id, at);
CREATE INDEX audit_person_at ON audit_accessevent (person_id, at DESC);
CREATE INDEX audit_user_at ON audit_accessevent (user_id, at DESC);
CREATE INDEX audit_accessevent_agency_id ON audit_accessevent (agency_id);
CREATE INDEX audit_people_shown ON audit_accessevent USING gin ((detail -> 'people') jsonb_path_ops);
ALTER TABLE audit_accessevent ADD CONSTRAINT audit_accessevent_user_id_fk
    FOREIGN KEY (user_id) REFERENCES agencies_user (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE audit_accessevent ADD CONSTRAINT audit_accessevent_agency_id_fk
    FOREIGN KEY (agency_id) REFERENCES agencies_agency (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE audit_accessevent ADD CONSTRAINT audit_accessevent_person_id_fk
    FOREIGN KEY (person_id) REFERENCES casework_person (id) DEFERRABLE INITIALLY DEFERRED;
CREATE TRIGGER audit_accessevent_append_only BEFORE UPDATE OR DELETE ON audit_accessevent
    FOR EACH ROW EXECUTE FUNCTION audit_accessevent_refuse_change();
CREATE TRIGGER audit_accessevent_no_truncate BEFORE TRUNCATE ON audit_accessevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_accessevent_refuse_change();
SELECT audit_accessevent_lock_down('audit_accessevent_default');
"""

UNCONVERT = r"""
LOCK TABLE audit_accessevent IN ACCESS EXCLUSIVE MODE;
ALTER TABLE audit_accessevent RENAME TO audit_accessevent_partitioned;
ALTER TABLE audit_accessevent_partitioned RENAME CONSTRAINT audit_accessevent_pkey
    TO audit_accessevent_partitioned_pkey;
ALTER INDEX audit_person_at RENAME TO audit_person_at_p;
ALTER INDEX audit_user_at RENAME TO audit_user_at_p;
ALTER INDEX audit_people_shown RENAME TO audit_people_shown_p;
ALTER INDEX audit_accessevent_agency_id RENAME TO audit_accessevent_agency_id_p;
CREATE TABLE audit_accessevent (LIKE audit_accessevent_partitioned);
ALTER TABLE audit_accessevent ALTER COLUMN id DROP DEFAULT;
ALTER TABLE audit_accessevent ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;
INSERT INTO audit_accessevent SELECT * FROM audit_accessevent_partitioned;
SELECT setval(pg_get_serial_sequence('audit_accessevent', 'id'),
              COALESCE((SELECT max(id) FROM audit_accessevent), 0) + 1, false);
DROP TABLE audit_accessevent_partitioned CASCADE;
ALTER TABLE audit_accessevent ADD PRIMARY KEY (id);
CREATE INDEX audit_person_at ON audit_accessevent (person_id, at DESC);
CREATE INDEX audit_user_at ON audit_accessevent (user_id, at DESC);
CREATE INDEX audit_accessevent_agency_id ON audit_accessevent (agency_id);
CREATE INDEX audit_people_shown ON audit_accessevent USING gin ((detail -> 'people') jsonb_path_ops);
ALTER TABLE audit_accessevent ADD FOREIGN KEY (user_id) REFERENCES agencies_user (id)
    DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE audit_accessevent ADD FOREIGN KEY (agency_id) REFERENCES agencies_agency (id)
    DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE audit_accessevent ADD FOREIGN KEY (person_id) REFERENCES casework_person (id)
    DEFERRABLE INITIALLY DEFERRED;
CREATE TRIGGER audit_accessevent_append_only BEFORE UPDATE OR DELETE ON audit_accessevent
    FOR EACH ROW EXECUTE FUNCTION audit_accessevent_refuse_change();
CREATE TRIGGER audit_accessevent_no_truncate BEFORE TRUNCATE ON audit_accessevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_accessevent_refuse_change();
DROP FUNCTION IF EXISTS audit_accessevent_partition_drop(date, bigint);
DROP FUNCTION IF EXISTS audit_accessevent_partition_ensure(date);
DROP FUNCTION IF EXISTS audit_accessevent_default_months();
DROP FUNCTION IF EXISTS audit_accessevent_lock_down(text);
"""


def _schema_literal(schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT quote_literal(current_schema())")
        return cursor.fetchone()[0]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(TRIGGER_FUNCTION, params=None)
    schema_editor.execute(FUNCTIONS.replace("__SCHEMA__", _schema_literal(schema_editor)), params=None)
    schema_editor.execute(CONVERT, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(UNCONVERT, params=None)


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("audit", "0004_append_only_for_real")]

    operations = [
        migrations.CreateModel(
            name="ArchivedMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(unique=True)),
                ("path", models.CharField(max_length=200)),
                ("events", models.BigIntegerField()),
                ("sha256", models.CharField(max_length=64)),
                ("archived_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={"ordering": ["-month"]},
        ),
        migrations.RunPython(forwards, backwards),
    ]
