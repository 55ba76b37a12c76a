"""Access events older than AUDIT_ONLINE_MONTHS leave the database, a month at a time (issue 23,
docs/adr/0110): the month's partition is written to default storage as a gzip JSON-lines file
(one event a line, oldest first), recorded in ArchivedMonth (path, count, SHA-256), and then detached
and dropped by `audit_accessevent_partition_drop()`, which refuses unless the archive is recorded
with exactly the partition's count and the month ended at least 12 months ago.

A manager's staff access-log search reads the archives on request (`archive_search`), a few months
per request so the page shows its progress; each such search is itself an audited event.
"""

import datetime
import gzip
import hashlib
import io
import json
import tempfile

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction

from audit import partitions
from audit.models import AccessEvent, ArchivedMonth

ARCHIVE_DIR = "audit-archive"
BATCH = 10_000
COLUMNS = "id, at, user_id, agency_id, person_id, action, object_type, object_id, detail"


def months_due(today_month: datetime.date | None = None) -> list[datetime.date]:
    """Months with a partition that ended more than AUDIT_ONLINE_MONTHS ago, oldest first."""
    if not partitions.partitioned():
        return []
    cutoff = partitions.month_add(
        today_month or partitions.this_month(), -settings.AUDIT_ONLINE_MONTHS
    )
    return [m for _n, m, _e in partitions.partitions() if m and m < cutoff]


def _write(month: datetime.date, out) -> tuple[int, str]:
    """Write the month's events (keyset batches: no server-side cursor, so it works behind a
    transaction-mode pooler) to `out` as gzip JSON lines. Returns (events, sha256 of the file)."""
    start, end = partitions.month_bounds(month)
    count = 0
    last = None
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz, connection.cursor() as cursor:
        while True:
            if last is None:
                cursor.execute(
                    f"SELECT at, id, row_to_json(e)::text FROM (SELECT {COLUMNS} FROM "  # noqa: S608  # nosec B608 (constants)
                    "audit_accessevent WHERE at >= %s AND at < %s) e ORDER BY at, id LIMIT %s",
                    [start, end, BATCH],
                )
            else:
                cursor.execute(
                    f"SELECT at, id, row_to_json(e)::text FROM (SELECT {COLUMNS} FROM "  # noqa: S608  # nosec B608 (constants)
                    "audit_accessevent WHERE at >= %s AND at < %s AND (at, id) > (%s, %s)) e "
                    "ORDER BY at, id LIMIT %s",
                    [start, end, last[0], last[1], BATCH],
                )
            rows = cursor.fetchall()
            if not rows:
                break
            gz.write("".join(row[2] + "\n" for row in rows).encode())
            count += len(rows)
            last = rows[-1][:2]
    out.flush()
    out.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: out.read(1 << 20), b""):
        digest.update(chunk)
    out.seek(0)
    return count, digest.hexdigest()


def archive_month(month: datetime.date) -> int:
    """Archive and drop one month's partition. Safe to run again after a crash at any point."""
    month = partitions.month_start(month)
    existing = ArchivedMonth.objects.filter(month=month).first()
    if existing is None:
        with tempfile.TemporaryFile() as out:
            events, sha = _write(month, out)
            path = default_storage.save(f"{ARCHIVE_DIR}/{month:%Y-%m}.jsonl.gz", File(out))
        existing = ArchivedMonth.objects.create(month=month, path=path, events=events, sha256=sha)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT audit_accessevent_partition_drop(%s, %s)", [month, existing.events])
    return existing.events


def archive_due() -> dict:
    months = months_due()
    events = sum(archive_month(m) for m in months)
    return {"months_archived": len(months), "events_archived": events}


def _event(row: dict, users: dict, agencies: dict) -> AccessEvent:
    at = datetime.datetime.fromisoformat(row["at"])
    event = AccessEvent(
        id=row["id"],
        at=at,
        user_id=row["user_id"],
        agency_id=row["agency_id"],
        person_id=row["person_id"],
        action=row["action"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        detail=row["detail"] or {},
    )
    if row["user_id"] in users:
        event.user = users[row["user_id"]]
    if row["agency_id"] in agencies:
        event.agency = agencies[row["agency_id"]]
    return event


def archive_read(archived: ArchivedMonth):
    """Every event line of one archive, checked against its recorded SHA-256."""
    with default_storage.open(archived.path, "rb") as raw:
        data = raw.read()
    if hashlib.sha256(data).hexdigest() != archived.sha256:
        raise ValueError(f"the archive of {archived.month:%Y-%m} does not match its checksum")
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
        for line in gz:
            yield json.loads(line)


def archive_search(*, staff_user, agency, months: list[ArchivedMonth]) -> list[AccessEvent]:
    """What `staff_user` accessed acting for `agency` in the given archived months, newest first."""
    found = []
    users, agencies = {staff_user.pk: staff_user}, {agency.pk: agency}
    for archived in months:
        for row in archive_read(archived):
            if row["user_id"] == staff_user.pk and row["agency_id"] == agency.pk:
                found.append(_event(row, users, agencies))
    found.sort(key=lambda e: (e.at, e.id), reverse=True)
    return found


def archive_search_person(*, person, months: list[ArchivedMonth]) -> list[AccessEvent]:
    """Who viewed or changed `person`'s record in the given archived months, newest first; the users
    and agencies named are read in one query each."""
    from agencies.models import Agency, User

    rows = [
        row
        for archived in months
        for row in archive_read(archived)
        if row["person_id"] == person.pk
    ]
    users = User.objects.in_bulk({row["user_id"] for row in rows if row["user_id"]})
    agencies = Agency.objects.in_bulk({row["agency_id"] for row in rows if row["agency_id"]})
    found = [_event(row, users, agencies) for row in rows]
    found.sort(key=lambda e: (e.at, e.id), reverse=True)
    return found
