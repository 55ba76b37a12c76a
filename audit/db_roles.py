"""The application's PostgreSQL role (issue 16, SECURITY.md "The audit log").

Migrations run as the owner role (owns every table, the triggers and the SECURITY DEFINER retention
function). The web, worker and beat processes connect as the application role, which may read and
write every table except the audit table, where it may only SELECT and INSERT; it owns nothing, so
it cannot TRUNCATE, ALTER, DISABLE TRIGGER or DROP. `manage.py db_app_role <name>` (run as the
owner after every `migrate`, `make db-app-role`) creates or updates the role and its grants; it is
idempotent. Default privileges give it the same rights on tables later migrations create.
"""

from django.db import connection as default_connection

AUDIT_TABLE = "audit_accessevent"
REDACT_FUNCTION = "audit_accessevent_redact(timestamptz, text[])"
# Monthly partitions (migration audit 0005): the scheduled job makes and archives them through these
# SECURITY DEFINER functions; the role has no right on any partition itself.
PARTITION_FUNCTIONS = (
    "audit_accessevent_partition_ensure(date)",
    "audit_accessevent_partition_drop(date, bigint)",
    "audit_accessevent_default_months()",
)


class RoleError(RuntimeError):
    pass


def _ident(cursor, name: str) -> str:
    cursor.execute("SELECT quote_ident(%s)", [name])
    return cursor.fetchone()[0]


def app_role_ensure(role: str, *, password: str | None = None, connection=None) -> None:
    """Create the role if missing (LOGIN, no superuser, no CREATEROLE/CREATEDB) and grant exactly what
    the application needs. Run as the owner of the tables (the migrating role)."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        raise RoleError("database roles exist only on PostgreSQL")
    with connection.cursor() as cursor:
        quoted = _ident(cursor, role)
        cursor.execute("SELECT current_user, current_schema(), current_database()")
        owner, schema, database = cursor.fetchone()
        if owner == role:
            raise RoleError("the application role must not be the role that owns the tables")
        cursor.execute(
            "SELECT rolsuper OR rolbypassrls OR rolcreaterole FROM pg_roles WHERE rolname = %s",
            [role],
        )
        found = cursor.fetchone()
        if found is None:  # a parallel run may create it meanwhile: that is fine
            cursor.execute(
                "DO $$ BEGIN "
                f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS; "
                "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            )
        elif found[0]:
            raise RoleError(f"{role} is a superuser or may create roles: use a plain role")
        if password:
            cursor.execute(f"ALTER ROLE {quoted} PASSWORD %s", [password])
        cursor.execute(
            "SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = %s",
            [schema, AUDIT_TABLE],
        )
        row = cursor.fetchone()
        if row is None:
            raise RoleError(f"{AUDIT_TABLE} does not exist yet: run migrate first")
        if row[0] == role:
            raise RoleError(f"{role} owns {AUDIT_TABLE}: the tables must belong to the owner role")
        db, sch = _ident(cursor, database), _ident(cursor, schema)
        for sql in (
            f"GRANT CONNECT ON DATABASE {db} TO {quoted}",
            f"GRANT USAGE ON SCHEMA {sch} TO {quoted}",
            f"REVOKE CREATE ON SCHEMA {sch} FROM {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {sch} TO {quoted}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {sch} TO {quoted}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {sch} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {sch} "
            f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {quoted}",
            # The audit table: read and append, nothing else.
            f"REVOKE ALL ON {sch}.{AUDIT_TABLE} FROM {quoted}",
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {sch}.{AUDIT_TABLE} FROM PUBLIC",
            f"GRANT SELECT, INSERT ON {sch}.{AUDIT_TABLE} TO {quoted}",
            f"GRANT EXECUTE ON FUNCTION {sch}.{REDACT_FUNCTION} TO {quoted}",
        ):
            cursor.execute(sql)
        cursor.execute(
            "SELECT to_regprocedure(f) IS NOT NULL FROM unnest(%s::text[]) f",
            [[f"{schema}.{f}" for f in PARTITION_FUNCTIONS]],
        )
        if all(row[0] for row in cursor.fetchall()):
            for function in PARTITION_FUNCTIONS:
                cursor.execute(f"GRANT EXECUTE ON FUNCTION {sch}.{function} TO {quoted}")
        # GRANT ... ON ALL TABLES above reached the partitions too: take it back (lock_down revokes
        # every right but the owner's and puts the TRUNCATE trigger back).
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [f"{schema}.{AUDIT_TABLE}"],
        )
        for (partition,) in cursor.fetchall():
            cursor.execute(f"SELECT {sch}.audit_accessevent_lock_down(%s)", [partition])


def app_role_privileges(role: str, *, connection=None) -> dict:
    """What the role may do on the audit table (for `db_app_role --check` and the tests)."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        result = {}
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER"):
            cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, AUDIT_TABLE, privilege])
            result[privilege] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_has_role(%s, tableowner, 'USAGE') FROM pg_tables WHERE tablename = %s",
            [role, AUDIT_TABLE],
        )
        result["OWNER"] = cursor.fetchone()[0]
        return result
