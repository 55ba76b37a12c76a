"""The audit table at national scale (issue 23, docs/performance.md "Audit table").

    python -m tests.perf.bench_audit --database-url postgres://.../resettle_audit_bench --events 20000000

On a migrated, otherwise empty database (it is filled and left for you to drop): one agency, 200
staff and a manager; EVENTS access events spread evenly over the last 24 months (one partition each),
loaded with generate_series straight into the partitions (secondary indexes dropped for the load
and rebuilt after, as `generate_load_data` does). Then it measures

- insert cost per event: access_event_record() through the ORM (the real path, in a transaction
  rolled back) and a bare INSERT, each into the partitioned table and into a plain table with the
  same columns, indexes and append-only trigger (the table as it was before migration audit 0005);
- the staff access-log page (a manager reviewing one member of staff) and a person's access log,
  in-process through the Django test client, median and p95 of repeated requests.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INDEXES = [
    "CREATE INDEX audit_person_at ON audit_accessevent (person_id, at DESC)",
    "CREATE INDEX audit_user_at ON audit_accessevent (user_id, at DESC)",
    "CREATE INDEX audit_accessevent_agency_id ON audit_accessevent (agency_id)",
    "CREATE INDEX audit_people_shown ON audit_accessevent USING gin "
    "((detail -> 'people') jsonb_path_ops)",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not args.skip_load:
        load(connection, args.events)
    insert_cost(connection)
    pages(connection, args.requests)


def load(connection, events):
    from agencies.models import Agency
    from audit import partitions
    from tests.factories import AgencyFactory, PersonFactory, staff

    agency = Agency.objects.filter(name="Audit Bench Probation").first() or AgencyFactory(
        name="Audit Bench Probation"
    )
    for k in range(200):
        staff(f"audit_bench_{k}", agency)
    staff("audit_bench_manager", agency, role="manager")
    people = [PersonFactory().pk for _ in range(200)]
    start = partitions.this_month()
    for k in range(-24, 2):
        partitions.partition_ensure(partitions.month_add(start, k))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id) FROM agencies_user WHERE username LIKE 'audit_bench_%%'"
        )
        first_user, last_user = cursor.fetchone()
        began = time.perf_counter()
        for name in ("audit_person_at", "audit_user_at", "audit_accessevent_agency_id"):
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("DROP INDEX IF EXISTS audit_people_shown")
        cursor.execute("SET session_replication_role = replica")  # no FK checks for the load
        cursor.execute("SET maintenance_work_mem = '512MB'")
        chunk = 1_000_000
        span = 24 * 30 * 86400  # seconds over which events spread (24 months back)
        for offset in range(0, events, chunk):
            n = min(chunk, events - offset)
            cursor.execute(
                "INSERT INTO audit_accessevent (at, user_id, agency_id, person_id, action, "
                "object_type, object_id, detail) "
                "SELECT now() - make_interval(secs => (g::bigint * 7919 %% %s)), "
                "%s + (g %% %s), %s, CASE WHEN g %% 3 = 0 THEN NULL ELSE (%s::bigint[])[1 + g %% 200] END, "
                "CASE WHEN g %% 5 = 0 THEN 'search' ELSE 'view' END, 'casework.person', "
                "(g %% 1000000)::text, "
                "CASE WHEN g %% 3 = 0 THEN jsonb_build_object('page', 'caseload', 'people', "
                "jsonb_build_array(g %% 1000000, (g + 1) %% 1000000)) "
                'ELSE \'{"page": "person"}\'::jsonb END '
                "FROM generate_series(%s, %s) g",
                [
                    span,
                    first_user,
                    last_user - first_user,
                    agency.pk,
                    people,
                    offset + 1,
                    offset + n,
                ],
            )
            print(f"  {offset + n:,} events in {time.perf_counter() - began:.0f} s", flush=True)
        cursor.execute("SET session_replication_role = DEFAULT")
        loaded = time.perf_counter()
        for sql in INDEXES:
            cursor.execute(sql)
        cursor.execute("ANALYZE audit_accessevent")
        print(
            f"loaded {events:,} events in {loaded - began:.0f} s, indexes + ANALYZE "
            f"{time.perf_counter() - loaded:.0f} s"
        )
        cursor.execute(
            "SELECT count(*), pg_size_pretty(sum(pg_total_relation_size(inhrelid))) "
            "FROM pg_inherits WHERE inhparent = 'audit_accessevent'::regclass"
        )
        print("partitions, total size: {}, {}".format(*cursor.fetchone()))


def _time(fn, n):
    began = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - began) / n * 1e6


def insert_cost(connection, n=3000):
    from django.db import transaction

    from agencies.models import User
    from audit.services import access_event_record

    user = User.objects.get(username="audit_bench_0")
    from agencies import acting

    acting.attach(user)
    sql = (
        "INSERT INTO {table} (at, user_id, agency_id, person_id, action, object_type, object_id, "
        "detail) VALUES (now(), %s, %s, NULL, 'view', 'casework.person', '1', "
        '\'{{"page": "person"}}\') RETURNING id'
    )
    agency_id = user.acting.agency.pk
    results = {}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS audit_plain")
        cursor.execute(
            "CREATE TABLE audit_plain (LIKE audit_accessevent INCLUDING DEFAULTS INCLUDING INDEXES)"
        )
        cursor.execute(
            "CREATE TRIGGER audit_plain_append_only BEFORE UPDATE OR DELETE ON audit_plain "
            "FOR EACH ROW EXECUTE FUNCTION audit_accessevent_refuse_change()"
        )
        cursor.execute(
            "INSERT INTO audit_plain SELECT * FROM audit_accessevent "
            "WHERE at > now() - interval '31 days'"
        )
        cursor.execute("ANALYZE audit_plain")
    for table in ("audit_accessevent", "audit_plain"):
        for _round in range(3):
            with transaction.atomic(), connection.cursor() as cursor:
                cost = _time(
                    lambda t=table: cursor.execute(sql.format(table=t), [user.pk, agency_id]), n
                )
                results.setdefault(f"bare INSERT into {table}", []).append(cost)
                transaction.set_rollback(True)
    for _round in range(3):
        with transaction.atomic():
            cost = _time(
                lambda: access_event_record(user=user, action="view", detail={"page": "x"}), n
            )
            results.setdefault("access_event_record (ORM) into audit_accessevent", []).append(cost)
            transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_plain")
        plain_rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE audit_plain")
    print(
        f"insert cost per event (µs, best of 3 rounds of {n}; plain table holds {plain_rows:,} rows):"
    )
    for name, costs in results.items():
        print(f"  {name}: {min(costs):.0f} (rounds {', '.join(f'{c:.0f}' for c in costs)})")


def pages(connection, n):
    from django.test import Client

    from agencies.models import User

    manager = User.objects.get(username="audit_bench_manager")
    staff_user = User.objects.get(username="audit_bench_7")
    client = Client()
    client.force_login(manager)
    from casework.models import Person

    person = Person.objects.order_by("pk").first()
    for label, url in (
        ("staff access log, first page", f"/access-log/?user={staff_user.pk}"),
        ("staff access log, page 20", f"/access-log/?user={staff_user.pk}&page=20"),
    ):
        times = []
        for k in range(n + 2):
            began = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - began) * 1000
            assert response.status_code == 200, response.status_code
            if k >= 2:  # two warm-ups
                times.append(elapsed)
        times.sort()
        print(
            f"{label}: median {statistics.median(times):.0f} ms, "
            f"p95 {times[int(len(times) * 0.95) - 1]:.0f} ms ({n} requests)"
        )
    from audit import selectors

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_accessevent WHERE user_id = %s", [staff_user.pk])
        print(f"events of that member of staff: {cursor.fetchone()[0]:,}")
    began = time.perf_counter()
    rows = list(selectors.access_log_for_person(person=person, limit=50))
    print(
        f"a person's access log, first 50 of their events (selector): "
        f"{(time.perf_counter() - began) * 1000:.0f} ms ({len(rows)} rows)"
    )


if __name__ == "__main__":
    main()
