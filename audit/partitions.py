"""Monthly partitions of the audit table (PostgreSQL; migration audit 0005, docs/adr/0110).

Partitions are made by `audit_accessevent_partition_ensure()`, a SECURITY DEFINER function owned by
the owner role, so the scheduled job can run as the application role, which may not create tables.
`migrate` makes the current and next months (audit/apps.py); the daily `audit_partitions` job makes
AUDIT_PARTITIONS_AHEAD months ahead and gives every month found in the default partition its own
partition (moving those events). On SQLite (the demo) there are no partitions and these do nothing.
"""

import datetime

from django.conf import settings
from django.db import connection as default_connection
from django.utils import timezone

DEFAULT_PARTITION = "audit_accessevent_default"


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_add(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The UTC range a month's partition holds."""
    start = datetime.datetime(month.year, month.month, 1, tzinfo=datetime.UTC)
    nxt = month_add(month, 1)
    return start, datetime.datetime(nxt.year, nxt.month, 1, tzinfo=datetime.UTC)


def this_month() -> datetime.date:
    return month_start(timezone.now().astimezone(datetime.UTC).date())


def partitioned(connection=None) -> bool:
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relkind = 'p' FROM pg_class c WHERE c.oid = to_regclass('audit_accessevent')"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def partition_ensure(month: datetime.date, connection=None) -> str:
    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT audit_accessevent_partition_ensure(%s)", [month_start(month)])
        return cursor.fetchone()[0]


def partitions(connection=None) -> list[tuple[str, datetime.date | None, int | None]]:
    """(name, month or None for the default partition, estimated rows), oldest first."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reltuples::bigint FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass('audit_accessevent') ORDER BY c.relname"
        )
        rows = cursor.fetchall()
    result = []
    for name, estimate in rows:
        month = None
        if name != DEFAULT_PARTITION:
            year, mon = name.removeprefix("audit_accessevent_p").split("_")
            month = datetime.date(int(year), int(mon), 1)
        result.append((name, month, estimate))
    return result


def partitions_ensure_ahead(connection=None) -> dict:
    """The current month, AUDIT_PARTITIONS_AHEAD months ahead, and every month waiting in the default
    partition. Safe to run twice (and by two workers at once: the function takes a lock)."""
    connection = connection or default_connection
    if not partitioned(connection):
        return {"partitions_created": 0}
    have = {month for _name, month, _n in partitions(connection) if month}
    start = this_month()
    wanted = {month_add(start, k) for k in range(settings.AUDIT_PARTITIONS_AHEAD + 1)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT audit_accessevent_default_months()")
        wanted |= {row[0] for row in cursor.fetchall()}
    created = 0
    for month in sorted(wanted - have):
        partition_ensure(month, connection)
        created += 1
    return {"partitions_created": created}
