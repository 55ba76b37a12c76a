"""The one privileged path that changes access events: removing keys from `detail` of old events
(for example search terms after their retention period). Nothing deletes an event.

On PostgreSQL it calls `audit_accessevent_redact()`, a SECURITY DEFINER function owned by the owner
role (migration audit 0004): the application role has no UPDATE right on the table itself. On the
SQLite demo (no roles) it runs the same statement directly.
"""

import datetime

from django.db import connection, transaction
from django.utils import timezone

PROTECTED_KEYS = {"people", "system", "page", "shown"}  # what an event says happened stays


def access_event_redact(*, before: datetime.datetime, keys) -> int:
    """Remove `keys` from the detail of every event older than `before` (at least a day ago).
    Returns how many events changed."""
    keys = sorted(set(keys))
    if not keys:
        return 0
    if PROTECTED_KEYS & set(keys):
        raise ValueError(f"these keys are never redacted: {sorted(PROTECTED_KEYS & set(keys))}")
    if before > timezone.now() - datetime.timedelta(days=1):
        raise ValueError("only events more than a day old can be redacted")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT audit_accessevent_redact(%s, %s)", [before, keys])
            return cursor.fetchone()[0]
        changed = 0
        for key in keys:
            path = "$." + '"' + key.replace('"', "") + '"'
            cursor.execute(
                "UPDATE audit_accessevent SET detail = json_remove(detail, %s) "
                "WHERE at < %s AND json_type(detail, %s) IS NOT NULL",
                [path, connection.ops.adapt_datetimefield_value(before), path],
            )
            changed += cursor.rowcount
        return changed
