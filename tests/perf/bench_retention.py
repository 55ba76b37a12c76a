"""Benchmark the retention sweep: N open spells with their checks, swept once (timed, queries counted)
and again (must change nothing).

    createdb -h 127.0.0.1 -U postgres resettle_bench   # once (the script tries to create it too)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/resettle_bench \
        .venv/bin/python -m tests.perf.bench_retention --spells 50000

The database is flushed first, so point it only at a throw-away benchmark database (its name must
contain "bench"). tests/employers/test_bench_smoke.py runs `run_benchmark` with 200 spells.
"""

import argparse
import datetime
import math
import os
import sys
import time

ADVISERS = 20


def _create_data(spells: int, advisers: int) -> dict:
    from agencies.models import Agency, AgencyKind, Region, Role, StaffMembership, User
    from casework.models import Case, Person
    from consent import policy
    from employers.models import Employer, EmploymentSpell, RetentionCheck

    today = policy.today()
    region, _ = Region.objects.get_or_create(name="Benchmark region")
    stamp = time.time_ns()
    agency = Agency.objects.create(
        name=f"Benchmark provider {stamp}", kind=AgencyKind.PROVIDER, region=region
    )
    users = User.objects.bulk_create(
        [User(username=f"bench{stamp}_{i}", email=f"bench{i}@example.org") for i in range(advisers)]
    )
    StaffMembership.objects.bulk_create(
        [StaffMembership(user=u, agency=agency, role=Role.EMPLOYMENT_ADVISER) for u in users]
    )
    employer = Employer.objects.create(
        name=f"Benchmark employer {stamp}", sector="warehousing", town="Luton", owning_agency=agency
    )
    people = Person.objects.bulk_create(
        [
            Person(
                first_name="Bench",
                last_name=f"Person{i}",
                date_of_birth=datetime.date(1990, 1, 1),
                sex="male",
                created_by_agency=agency,
            )
            for i in range(spells)
        ],
        batch_size=5000,
    )
    cases = Case.objects.bulk_create(
        [
            Case(
                person=p,
                owning_agency=agency,
                offender_group="community",
                support_level="high",
                stage="in_work",
                start_date=today - datetime.timedelta(days=200),
                planned_end_date=today + datetime.timedelta(days=165),
            )
            for p in people
        ],
        batch_size=5000,
    )
    spell_rows = EmploymentSpell.objects.bulk_create(
        [
            EmploymentSpell(
                person_id=c.person_id,
                case=c,
                employer=employer,
                kind="job",
                job_title="Operative",
                start_date=today - datetime.timedelta(days=i % 120),
                contract_type="permanent",
                adviser=users[i % advisers],
                agency=agency,
            )
            for i, c in enumerate(cases)
        ],
        batch_size=5000,
    )
    checks = [
        RetentionCheck(
            spell=s, milestone_weeks=w, due_on=s.start_date + datetime.timedelta(days=7 * w)
        )
        for s in spell_rows
        for w in (4, 8, 12)
    ]
    RetentionCheck.objects.bulk_create(checks, batch_size=10000)
    return {"checks": len(checks), "today": today}


def run_benchmark(
    *, spells: int = 50000, batch_size: int = 5000, advisers: int = 1, verbose: bool = False
) -> dict:
    """Create the data, sweep twice, and return timings and query counts."""
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from employers.models import CheckStatus, RetentionCheck
    from employers.services import retention_sweep

    started = time.perf_counter()
    data = _create_data(spells, advisers)
    setup_seconds = time.perf_counter() - started
    expected_due = RetentionCheck.objects.filter(
        status=CheckStatus.SCHEDULED, due_on__lte=data["today"]
    ).count()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        with CaptureQueriesContext(connection) as first_queries:
            t0 = time.perf_counter()
            first = retention_sweep(batch_size=batch_size)
            first_seconds = time.perf_counter() - t0
        with CaptureQueriesContext(connection) as second_queries:
            t0 = time.perf_counter()
            second = retention_sweep(batch_size=batch_size)
            second_seconds = time.perf_counter() - t0
    result = {
        "spells": spells,
        "checks": data["checks"],
        "expected_due": expected_due,
        "batch_size": batch_size,
        "setup_seconds": round(setup_seconds, 2),
        "first": first,
        "first_seconds": round(first_seconds, 3),
        "first_queries": len(first_queries),
        "second": second,
        "second_seconds": round(second_seconds, 3),
        "second_queries": len(second_queries),
        "queries_per_batch": math.ceil(len(first_queries) / max(first["batches"], 1)),
    }
    if verbose:
        for key, value in result.items():
            print(f"{key:>16}: {value}")
    return result


def _ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg2

    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
    if "bench" not in name:
        sys.exit(
            f"Refusing to flush database {name!r}: use a throw-away database whose name contains 'bench'."
        )
    conn = psycopg2.connect(
        dbname="postgres",
        user=cfg["USER"],
        host=cfg["HOST"],
        port=cfg["PORT"] or 5432,
        password=cfg.get("PASSWORD") or None,
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spells", type=int, default=50000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--advisers", type=int, default=ADVISERS)
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL benchmark database, e.g. postgres://postgres@127.0.0.1:5432/resettle_bench"
        )
    _ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    run_benchmark(
        spells=args.spells, batch_size=args.batch_size, advisers=args.advisers, verbose=True
    )


if __name__ == "__main__":
    main()
