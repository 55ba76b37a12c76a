"""Speed-ups for a fresh bulk load, all undone before the command ends.

- Foreign-key triggers are skipped in this session only (session_replication_role = replica); every
  foreign key of the loaded tables is then checked in one set-based query each.
- Non-unique secondary indexes of the loaded tables are dropped and rebuilt at the end (much faster
  than maintaining GIN trigram and composite indexes row by row). Primary keys and unique indexes stay.
"""

from contextlib import contextmanager

FK_SQL = """
SELECT con.conname, cl.relname, att.attname, pcl.relname, patt.attname
FROM pg_constraint con
JOIN pg_class cl ON cl.oid = con.conrelid
JOIN pg_class pcl ON pcl.oid = con.confrelid
JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
JOIN pg_attribute patt ON patt.attrelid = con.confrelid AND patt.attnum = con.confkey[1]
WHERE con.contype = 'f' AND cl.relname = ANY(%s)
ORDER BY cl.relname, con.conname
"""

INDEX_SQL = """
SELECT i.indexname, i.indexdef
FROM pg_indexes i
JOIN pg_class c ON c.relname = i.indexname AND c.relkind = 'i'
JOIN pg_index x ON x.indexrelid = c.oid
WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) AND NOT x.indisunique AND NOT x.indisprimary
ORDER BY i.tablename, i.indexname
"""


def check_foreign_keys(cursor, tables: list[str]) -> list[str]:
    cursor.execute(FK_SQL, [tables])
    problems = []
    for name, table, column, parent, parent_column in cursor.fetchall():
        cursor.execute(
            f'SELECT count(*) FROM "{table}" c WHERE c."{column}" IS NOT NULL AND NOT EXISTS '  # noqa: S608  # nosec B608 (names from pg_catalog)
            f'(SELECT 1 FROM "{parent}" p WHERE p."{parent_column}" = c."{column}")'
        )
        missing = cursor.fetchone()[0]
        if missing:
            problems.append(f"{name}: {missing} rows of {table}.{column} point nowhere")
    return problems


@contextmanager
def fast_load(cursor, tables: list[str], *, drop_indexes: bool, log=print):
    """Inside: no FK triggers, (optionally) no secondary indexes. On exit (even on error) all is restored."""
    dropped = []
    cursor.execute("SET session_replication_role = replica")
    try:
        if drop_indexes:
            cursor.execute(INDEX_SQL, [tables])
            dropped = cursor.fetchall()
            for name, _definition in dropped:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
            log(f"dropped {len(dropped)} secondary indexes for the load (rebuilt at the end)")
        yield
    finally:
        cursor.execute("SET session_replication_role = DEFAULT")
        if dropped:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _name, definition in dropped:
                cursor.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
            cursor.execute("RESET maintenance_work_mem")
            log(f"rebuilt {len(dropped)} indexes")
